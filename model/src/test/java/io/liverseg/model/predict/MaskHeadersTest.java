package io.liverseg.model.predict;

import static org.assertj.core.api.Assertions.assertThat;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import io.liverseg.imaging.nifti.NiftiHeader;
import io.liverseg.imaging.nifti.NiftiImage;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.nifti.NiftiWriter;
import io.liverseg.model.net.UNetConfig;
import io.liverseg.model.pkg.ModelManifest;
import io.liverseg.model.pkg.TestManifests;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaskHeadersTest {
    @TempDir
    Path dir;

    @Test
    void aMaskIsALabelMapOnItsScansExactHeaderWithTheLegend() throws IOException {
        Affine lps = Affine.of(-0.7, 0, 0, 180.3, 0, -0.7, 0, 160.1, 0, 0, 2.5, -400, 0, 0, 0, 1);
        Volume ct = new Volume(new int[] {6, 5, 4}, Voxels.ofShorts(new short[120]), lps, 1, -1024);
        Path scanFile = dir.resolve("ct.nii.gz");
        NiftiHeader scanHeader = NiftiHeader.forVolume(ct).toBuilder().descrip("scanner XYZ, kernel B30f")
                .calMin(-1024).calMax(3071)
                .extensions(java.util.List.of(new io.liverseg.imaging.nifti.NiftiExtension(6,
                        "a comment the scan carries".getBytes(java.nio.charset.StandardCharsets.US_ASCII))))
                .build();
        NiftiWriter.write(new NiftiImage(scanHeader, ct, 0), scanFile);
        NiftiHeader input = NiftiReader.defaults().readHeader(scanFile);
        ModelManifest liver = TestManifests.liver(UNetConfig.liver(), 256, ModelManifest.Postprocessing.none());

        Volume mask = new Volume(new int[] {6, 5, 4}, Voxels.ofUnsignedBytes(new byte[120]), input.affine(), 1, 0);
        Path maskFile = dir.resolve("mask.nii.gz");
        NiftiWriter.write(new NiftiImage(MaskHeaders.of(input, liver), mask, 0), maskFile);
        NiftiHeader h = NiftiReader.defaults().readHeader(maskFile);

        // everything the scan's header says stays, field by field (geometry, codes, pixdim, units, extensions);
        // only what makes it a labelled uint8 map with its legend differs
        NiftiHeader expected = input.toBuilder()
                .datatype(io.liverseg.imaging.DataType.UINT8.niftiCode()).bitpix(8).sclSlope(1).sclInter(0)
                .calMin(0).calMax(2)
                .intentCode(MaskHeaders.NIFTI_INTENT_LABEL).intentP1(0).intentP2(0).intentP3(0).intentName("labels")
                .descrip("liverseg liver v7: 1 liver, 2 tumour")
                .build();
        assertThat(h).usingRecursiveComparison().isEqualTo(expected);
        assertThat(h.affine()).isEqualTo(input.affine());
        assertThat(input.descrip()).isEqualTo("scanner XYZ, kernel B30f");
        assertThat(h.extensions()).hasSize(1);
    }
}
