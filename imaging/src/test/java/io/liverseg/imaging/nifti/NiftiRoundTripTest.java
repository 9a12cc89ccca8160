package io.liverseg.imaging.nifti;

import static org.assertj.core.api.Assertions.assertThat;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.DataType;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Write then read gives back the same image for every datatype, byte order, file format and NIfTI version. */
class NiftiRoundTripTest {
    /** Dyadic values: exact as NIfTI-1 floats, so the sform reads back bit-identical. */
    static final Affine OBLIQUE = Affine.of(-0.75, 0, 0.25, 12.5, 0, 1.5, 0, -30.25, 0.125, 0, 2.5, 7, 0, 0, 0, 1);

    @TempDir
    Path tmp;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (DataType type : DataType.values()) {
            for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
                for (int version : new int[] {1, 2}) {
                    for (String ext : new String[] {".nii", ".nii.gz", ".hdr", ".hdr.gz"}) {
                        out.add(Arguments.of(type, order.toString(), version, ext));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} NIfTI-{2} {3}")
    @MethodSource("cases")
    void writeThenReadGivesTheSameImage(DataType type, String orderName, int version, String ext) throws IOException {
        ByteOrder order = orderName.equals(ByteOrder.BIG_ENDIAN.toString()) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        int[] dims = {5, 4, 3};
        byte[] raw = randomBytes(60 * type.bytes(), type.ordinal() * 31L + version);
        Voxels voxels = Voxels.allocate(type, 60);
        voxels.readFrom(ByteBuffer.wrap(raw), order);
        Volume v = new Volume(dims, voxels, OBLIQUE, 0.5, -1024);
        NiftiHeader h = NiftiHeader.forVolume(v).toBuilder().version(version).byteOrder(order)
                .descrip("round trip").build();
        Path p = tmp.resolve("img" + ext);
        NiftiWriter.write(new NiftiImage(h, v, 0), p);

        boolean pair = ext.startsWith(".hdr");
        if (pair) {
            assertThat(tmp.resolve(ext.endsWith(".gz") ? "img.img.gz" : "img.img")).exists();
        }
        NiftiImage back = NiftiReader.defaults().read(p);
        NiftiHeader bh = back.header();
        assertThat(bh.version()).isEqualTo(version);
        assertThat(bh.byteOrder()).isEqualTo(order);
        assertThat(bh.magic()).isEqualTo((pair ? "ni" : "n+") + version);
        assertThat(bh.datatype()).isEqualTo(type.niftiCode());
        assertThat(bh.bitpix()).isEqualTo(type.bytes() * 8);
        assertThat(bh.voxOffset()).isEqualTo(pair ? 0 : version == 1 ? 352 : 544);
        assertThat(bh.descrip()).isEqualTo("round trip");
        Volume bv = back.volume();
        assertThat(bv.dims()).containsExactly(dims);
        assertThat(bv.voxels()).isEqualTo(voxels);
        assertThat(bv.affine()).isEqualTo(OBLIQUE);
        assertThat(bv.slope()).isEqualTo(0.5);
        assertThat(bv.inter()).isEqualTo(-1024);
        // the stored bytes are the raw values in the requested byte order
        CRC32 crc = new CRC32();
        crc.update(raw);
        assertThat(back.voxelCrc32()).isEqualTo(crc.getValue());
        if (ext.endsWith(".gz")) {
            byte[] magic = Files.readAllBytes(p);
            assertThat(new int[] {magic[0] & 0xff, magic[1] & 0xff}).containsExactly(0x1f, 0x8b);
        }
    }

    @Test
    void givenTheImgOfAPairTheReaderFindsItsHdr() throws IOException {
        Volume v = volume(DataType.INT16, new int[] {3, 2, 2});
        NiftiWriter.write(v, tmp.resolve("pair.img"));
        assertThat(tmp.resolve("pair.hdr")).exists();
        Volume back = NiftiReader.defaults().readVolume(tmp.resolve("pair.img"));
        assertThat(back.voxels()).isEqualTo(v.voxels());
        assertThat(NiftiReader.defaults().readVolume(tmp.resolve("pair.hdr")).voxels()).isEqualTo(v.voxels());
    }

    @Test
    void pairImageStartingWithGzipMagicBytesIsReadAsPlainData() throws IOException {
        Voxels x = Voxels.allocate(DataType.UINT8, 8);
        x.set(0, 0x1f);
        x.set(1, 0x8b);
        x.set(2, 8);
        Volume v = new Volume(new int[] {2, 2, 2}, x, Affine.scaling(1, 1, 1), 1, 0);
        NiftiWriter.write(v, tmp.resolve("magic.hdr"));
        assertThat(NiftiReader.defaults().readVolume(tmp.resolve("magic.hdr")).voxels()).isEqualTo(x);
    }

    @Test
    void gzipIsRecognisedByContentNotByName() throws IOException {
        Volume v = volume(DataType.FLOAT32, new int[] {4, 4, 4});
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        NiftiWriter.write(new NiftiImage(NiftiHeader.forVolume(v), v, 0), gz, true);
        Path misnamed = tmp.resolve("actually-gzipped.nii");
        Files.write(misnamed, gz.toByteArray());
        assertThat(NiftiReader.defaults().readVolume(misnamed).voxels()).isEqualTo(v.voxels());
    }

    @Test
    void streamReadAndWriteRoundTripPlainAndGzip() throws IOException {
        Volume v = volume(DataType.UINT16, new int[] {6, 5, 4, 2});
        for (boolean gzip : new boolean[] {false, true}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            NiftiWriter.write(new NiftiImage(NiftiHeader.forVolume(v), v, 0), out, gzip);
            NiftiImage back = NiftiReader.defaults().read(new ByteArrayInputStream(out.toByteArray()), "s3://bucket/x.nii");
            assertThat(back.volume().dims()).containsExactly(6, 5, 4, 2);
            assertThat(back.volume().voxels()).isEqualTo(v.voxels());
            assertThat(out.toByteArray()[0] == (byte) 0x1f).isEqualTo(gzip);
        }
    }

    @Test
    void writtenNifti1PadsExtensionsTo16AndSetsVoxOffsetAfterThem() throws IOException {
        Volume v = volume(DataType.UINT8, new int[] {2, 2, 2});
        NiftiHeader h = NiftiHeader.forVolume(v).toBuilder().extensions(List.of(
                NiftiExtension.ofText(6, "a"), NiftiExtension.ofText(4, "x".repeat(40)))).build();
        Path p = tmp.resolve("ext.nii");
        NiftiWriter.write(new NiftiImage(h, v, 0), p);
        NiftiHeader back = NiftiReader.defaults().readHeader(p);
        // 352 + 16 ("a" + 8 -> 16) + 48 (40 + 8 -> 48)
        assertThat(back.voxOffset()).isEqualTo(352 + 16 + 48);
        assertThat(back.extender()).containsExactly(1, 0, 0, 0);
        assertThat(back.extensions()).extracting(NiftiExtension::code).containsExactly(6, 4);
        assertThat(back.extensions()).extracting(NiftiExtension::text).containsExactly("a", "x".repeat(40));
        assertThat(back.extensions()).extracting(NiftiExtension::esize).containsExactly(16, 48);
        assertThat(Files.size(p)).isEqualTo(352 + 16 + 48 + 8);
    }

    @Test
    void pairHeaderKeepsExtensionsInTheHdr() throws IOException {
        Volume v = volume(DataType.INT32, new int[] {2, 3, 2});
        NiftiHeader h = NiftiHeader.forVolume(v).toBuilder()
                .extensions(List.of(NiftiExtension.ofText(6, "pair comment"))).build();
        for (String name : new String[] {"p.hdr", "q.hdr.gz"}) {
            NiftiWriter.write(new NiftiImage(h, v, 0), tmp.resolve(name));
            NiftiImage back = NiftiReader.defaults().read(tmp.resolve(name));
            assertThat(back.header().extensions()).extracting(NiftiExtension::text).containsExactly("pair comment");
            assertThat(back.volume().voxels()).isEqualTo(v.voxels());
        }
        assertThat(Files.size(tmp.resolve("p.hdr"))).isEqualTo(352 + 32);
        assertThat(Files.size(tmp.resolve("p.img"))).isEqualTo(12 * 4);
    }

    @Test
    void oneAndTwoDimensionalImagesReadAsThreeDimsAndFiveDimsWithUnitExtrasAsFour() throws IOException {
        Volume v = volume(DataType.INT8, new int[] {7, 1, 1});
        NiftiHeader oneD = NiftiHeader.forVolume(v).toBuilder().dims(7).build();
        Path p1 = tmp.resolve("1d.nii");
        NiftiWriter.write(new NiftiImage(oneD, v, 0), p1);
        assertThat(NiftiReader.defaults().readHeader(p1).dim()).containsExactly(1, 7, 1, 1, 1, 1, 1, 1);
        assertThat(NiftiReader.defaults().readVolume(p1).dims()).containsExactly(7, 1, 1);

        Volume v4 = volume(DataType.INT8, new int[] {2, 3, 4, 5});
        NiftiHeader fiveD = NiftiHeader.forVolume(v4).toBuilder().dims(2, 3, 4, 5, 1).build();
        Path p5 = tmp.resolve("5d.nii");
        NiftiWriter.write(new NiftiImage(fiveD, v4, 0), p5);
        assertThat(NiftiReader.defaults().readHeader(p5).dim()[0]).isEqualTo(5);
        assertThat(NiftiReader.defaults().readVolume(p5).dims()).containsExactly(2, 3, 4, 5);
    }

    @Test
    void readScanDropsAUnitFourthDimension() throws IOException {
        Volume v = volume(DataType.INT16, new int[] {3, 3, 3, 1});
        Path p = tmp.resolve("nt1.nii.gz");
        NiftiWriter.write(v, p);
        assertThat(NiftiReader.defaults().readVolume(p).dims()).containsExactly(3, 3, 3, 1);
        Volume scan = NiftiReader.defaults().readScan(p);
        assertThat(scan.dims()).containsExactly(3, 3, 3);
        assertThat(scan.voxels()).isEqualTo(v.voxels());
    }

    @Test
    void writingReplacesAnExistingFileAndLeavesNoTemporaryFiles() throws IOException {
        Path p = tmp.resolve("same.nii.gz");
        NiftiWriter.write(volume(DataType.UINT8, new int[] {2, 2, 2}), p);
        Volume second = volume(DataType.FLOAT64, new int[] {3, 3, 3});
        NiftiWriter.write(second, p);
        assertThat(NiftiReader.defaults().readVolume(p).voxels()).isEqualTo(second.voxels());
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("same.nii.gz");
        }
    }

    static Volume volume(DataType type, int[] dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        Voxels x = Voxels.allocate(type, n);
        for (int i = 0; i < n; i++) {
            x.set(i, (i * 7) % 100);
        }
        return new Volume(dims, x, Affine.scaling(0.5, 0.75, 2.5), 1, 0);
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
