package io.liverseg.imaging.nifti;

import static org.assertj.core.api.Assertions.assertThat;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.DataType;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer reproduces reference files byte for byte: nifti-rs' {@code minimal_extended_hdr.nii} (nifti-rs
 * writer.rs {@code write_extended_header}: an 8×8 float64 zeros array, one comment extension "Hello World!",
 * extender [1,0,0,0]) from {@link NiftiHeader#forVolume}'s defaults, and the headers of nibabel files read and
 * written back verbatim.
 */
class NiftiWriterByteExactTest {
    @TempDir
    Path tmp;

    @Test
    void forVolumeDefaultsReproduceMinimalExtendedHdrByteForByte() throws IOException {
        byte[] expected = Files.readAllBytes(SharedNiftiData.file("nifti-rs/minimal_extended_hdr.nii"));
        Volume zeros = new Volume(new int[] {8, 8, 1}, Voxels.allocate(DataType.FLOAT64, 64),
                Affine.scaling(1, 1, 1), 1, 0);
        // only what a 3-dim Volume cannot say: the array was 2D (dim[0] = 2); plus the extension
        NiftiHeader header = NiftiHeader.forVolume(zeros).toBuilder()
                .dims(8, 8)
                .extensions(List.of(NiftiExtension.ofText(6, "Hello World!")))
                .build();
        Path out = tmp.resolve("2d_extended_header.nii");
        NiftiWriter.write(new NiftiImage(header, zeros, 0), out);
        assertThat(Files.readAllBytes(out)).isEqualTo(expected);
    }

    @Test
    void forVolumeMatchesNibabelDefaultsFieldByField() {
        Volume v = new Volume(new int[] {8, 8, 1}, Voxels.allocate(DataType.FLOAT64, 64), Affine.scaling(1, 1, 1), 1, 0);
        NiftiHeader h = NiftiHeader.forVolume(v);
        assertThat(h.version()).isEqualTo(1);
        assertThat(h.magic()).isEqualTo("n+1");
        assertThat(h.qformCode()).isEqualTo(1);
        assertThat(h.sformCode()).isEqualTo(2);
        assertThat(h.pixdim()).containsExactly(1, 1, 1, 1, 1, 1, 1, 1);
        assertThat(h.sclSlope()).isEqualTo(1);
        assertThat(h.sclInter()).isZero();
        assertThat(h.xyztUnits()).isZero();
        assertThat(h.dimInfo()).isZero();
        assertThat(h.regular()).isZero();
        assertThat(h.quaternB()).isZero();
        assertThat(h.quaternC()).isZero();
        assertThat(h.quaternD()).isZero();
        assertThat(h.srowX()).containsExactly(1, 0, 0, 0);
        assertThat(h.descrip()).isEmpty();
        assertThat(h.dim()).containsExactly(3, 8, 8, 1, 1, 1, 1, 1);
    }

    @Test
    void example4dHeaderAndExtensionsAreRewrittenByteForByte() throws IOException {
        Path src = SharedNiftiData.file("nibabel/example4d.nii.gz");
        NiftiImage img = NiftiReader.defaults().read(src);
        Path out = tmp.resolve("copy.nii");
        NiftiWriter.write(img, out);
        byte[] original;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(src))) {
            original = in.readAllBytes();
        }
        byte[] written = Files.readAllBytes(out);
        // header, the ANALYZE leftovers (regular = 'r', text after descrip's NUL), extensions and voxels
        assertThat(written).isEqualTo(original);
    }

    @Test
    void bigEndianAnatomicalIsRewrittenByteForByte() throws IOException {
        Path src = SharedNiftiData.file("nibabel/anatomical.nii");
        NiftiImage img = NiftiReader.defaults().read(src);
        Path out = tmp.resolve("anatomical.nii");
        NiftiWriter.write(img, out);
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(src));
    }

    @Test
    void nifti2HeaderIsRewrittenByteForByte() throws IOException {
        Path src = SharedNiftiData.file("nibabel/example_nifti2.nii.gz");
        NiftiImage img = NiftiReader.defaults().read(src);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NiftiWriter.write(img, out, false);
        byte[] original;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(src))) {
            original = in.readAllBytes();
        }
        assertThat(out.toByteArray()).isEqualTo(original);
    }
}
