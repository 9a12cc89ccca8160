package io.liverseg.imaging.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import io.liverseg.imaging.measure.GridMismatchException;
import io.liverseg.imaging.geometry.Reorientation;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.nifti.NiftiWriter;
import io.liverseg.imaging.preprocess.HuWindow;
import io.liverseg.imaging.preprocess.Normalization;
import io.liverseg.imaging.preprocess.PreprocessingSpec;
import io.liverseg.imaging.preprocess.SlicePreprocessor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SliceSetTest {
    private static final Affine LPS = Affine.of(-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1);
    private static final int N = 8;
    private static final int NZ = 3;

    @TempDir
    Path dir;

    /** A CT whose liver (label 1, HU 100) is a box, with a tumour (label 2, HU 20) in slice 1 only. */
    private LabelledCase writeCase(String name, Affine affine) throws IOException {
        short[] hu = new short[N * N * NZ];
        byte[] lab = new byte[N * N * NZ];
        java.util.Arrays.fill(hu, (short) -1000);
        for (int k = 0; k < NZ; k++) {
            for (int j = 2; j < 6; j++) {
                for (int i = 1; i < 4; i++) {
                    int p = i + N * (j + N * k);
                    hu[p] = 100;
                    lab[p] = 1;
                }
            }
        }
        int t = 2 + N * (3 + N * 1);
        hu[t] = 20;
        lab[t] = 2;
        Path image = dir.resolve(name + "_img.nii.gz");
        Path label = dir.resolve(name + "_lab.nii.gz");
        NiftiWriter.write(new Volume(N, N, NZ, Voxels.ofShorts(hu), affine), image);
        NiftiWriter.write(new Volume(N, N, NZ, Voxels.ofUnsignedBytes(lab), affine), label);
        return new LabelledCase(name, image, label);
    }

    @Test
    void imagesAndLabelsStayAlignedThroughReorientation() throws IOException {
        PreprocessingSpec spec = new PreprocessingSpec(new HuWindow(-100, 200), Normalization.UNIT, N, 1);
        SliceSet set = SliceSet.load(List.of(writeCase("a", LPS), writeCase("b", Affine.scaling(1, 1, 2))), spec, 3,
                NiftiReader.defaults());
        assertThat(set.size()).isEqualTo(2 * NZ);
        float[] img = new float[N * N];
        byte[] lab = new byte[N * N];
        for (int s = 0; s < set.size(); s++) {
            set.copyImage(s, img, 0);
            set.copyLabels(s, lab, 0);
            for (int p = 0; p < N * N; p++) {
                float expected = lab[p] == 1 ? 200f / 300 : lab[p] == 2 ? 120f / 300 : 0f;
                assertThat(img[p]).as("slice %d pixel %d label %d", s, p, lab[p]).isCloseTo(expected, within(tolerance(set)));
            }
        }
        assertThat(set.slicesWith(2)).containsExactly(1, 4);
        assertThat(set.classPixels(1, 1)).isEqualTo(11);
        assertThat(set.caseName(4)).isEqualTo("b");
        assertThat(set.storedBytes()).isEqualTo(3L * 2 * NZ * N * N);
        assertThat(set.totalPixels()).containsExactly(2 * (NZ * N * N - 12 * NZ), 2 * (12 * NZ - 1), 2);
    }

    @Test
    void threeChannelInputsAreTheNeighbouringSlicesOfTheSameCaseAsInferenceSeesThem() throws IOException {
        PreprocessingSpec spec = new PreprocessingSpec(new HuWindow(-100, 200), Normalization.UNIT, 6, 3);
        List<LabelledCase> cases = List.of(writeNoisyCase("n1", LPS, 1), writeNoisyCase("n2", Affine.scaling(1, 1, 2), 2));
        SliceSet set = SliceSet.load(cases, spec, 3, NiftiReader.defaults());
        int sliceFloats = 3 * 6 * 6;
        float[] got = new float[sliceFloats];
        int s = 0;
        for (LabelledCase c : cases) {
            Volume image = NiftiReader.defaults().readScan(c.image());
            float[] expected = new SlicePreprocessor(image, Reorientation.toCanonical(image), spec).batch(0, NZ).data();
            for (int k = 0; k < NZ; k++, s++) {
                set.copyImage(s, got, 0);
                assertThat(got).as("case %s slice %d", c.name(), k)
                        .containsExactly(java.util.Arrays.copyOfRange(expected, k * sliceFloats, (k + 1) * sliceFloats),
                                within(tolerance(set)));
            }
        }
        // the first slice's lower neighbour is itself (clamped), never the previous case's last slice
        set.copyImage(NZ, got, 0);
        assertThat(java.util.Arrays.copyOfRange(got, 0, 36)).containsExactly(java.util.Arrays.copyOfRange(got, 36, 72));
        assertThat(java.util.Arrays.copyOfRange(got, 72, 108)).isNotEqualTo(java.util.Arrays.copyOfRange(got, 36, 72));
    }

    /** Half a 16-bit code step, plus float rounding in decoding. */
    private static float tolerance(SliceSet set) {
        return set.quantisationError() + 4 * Math.ulp(1f);
    }

    @Test
    void planesAreStoredToWithinHalfASixteenBitStepOfTheWindow() throws IOException {
        PreprocessingSpec spec = new PreprocessingSpec(new HuWindow(-100, 200), Normalization.UNIT, 6, 1);
        SliceSet set = SliceSet.load(List.of(writeNoisyCase("q", LPS, 3)), spec, 3, NiftiReader.defaults());
        // 300 HU over 65 535 steps: half a step is 0.0023 HU, 7.6e-6 of the unit range
        assertThat(set.quantisationError()).isCloseTo(0.5f / 65_535, within(1e-9f));
        PreprocessingSpec z = new PreprocessingSpec(new HuWindow(-100, 200), Normalization.zScore(50, 25), 6, 1);
        SliceSet zset = SliceSet.load(List.of(writeNoisyCase("z", LPS, 4)), z, 3, NiftiReader.defaults());
        assertThat(zset.quantisationError()).isCloseTo(0.5f * 12 / 65_535, within(1e-8f));
        Volume image = NiftiReader.defaults().readScan(dir.resolve("z_img.nii.gz"));
        float[] expected = new SlicePreprocessor(image, Reorientation.toCanonical(image), z).batch(0, NZ).data();
        float[] got = new float[36];
        float worst = 0;
        for (int k = 0; k < NZ; k++) {
            zset.copyImage(k, got, 0);
            for (int p = 0; p < 36; p++) {
                worst = Math.max(worst, Math.abs(got[p] - expected[k * 36 + p]));
            }
        }
        assertThat(worst).isGreaterThan(0f).isLessThanOrEqualTo(tolerance(zset));
    }

    /** A 6×6×NZ CT of seeded random HU in the window (every slice differs), label all background. */
    private LabelledCase writeNoisyCase(String name, Affine affine, long seed) throws IOException {
        java.util.Random r = new java.util.Random(seed);
        short[] hu = new short[6 * 6 * NZ];
        for (int p = 0; p < hu.length; p++) {
            hu[p] = (short) (r.nextInt(300) - 100);
        }
        Path image = dir.resolve(name + "_img.nii.gz");
        Path label = dir.resolve(name + "_lab.nii.gz");
        NiftiWriter.write(new Volume(6, 6, NZ, Voxels.ofShorts(hu), affine), image);
        NiftiWriter.write(new Volume(6, 6, NZ, Voxels.ofUnsignedBytes(new byte[hu.length]), affine), label);
        return new LabelledCase(name, image, label);
    }

    @Test
    void aLabelOffItsImageGridIsRefused() throws IOException {
        LabelledCase good = writeCase("c", LPS);
        Path shifted = dir.resolve("shifted.nii.gz");
        NiftiWriter.write(new Volume(N, N, NZ, Voxels.allocate(io.liverseg.imaging.DataType.UINT8, N * N * NZ),
                Affine.scaling(1, 1, 2)), shifted);
        LabelledCase bad = new LabelledCase("c", good.image(), shifted);
        assertThatThrownBy(() -> SliceSet.load(List.of(bad), PreprocessingSpec.defaults(), 3, NiftiReader.defaults()))
                .isInstanceOf(GridMismatchException.class).hasMessageContaining("c label vs image");
    }

    @Test
    void anImageThatIsNotCtInHounsfieldUnitsIsRefusedNamingIt() throws IOException {
        LabelledCase good = writeCase("g", LPS);
        Volume ct = NiftiReader.defaults().readScan(good.image());
        Path unscaled = dir.resolve("unscaled_img.nii.gz");
        // the same voxels + 1024, as a DICOM conversion that drops RescaleIntercept stores them
        short[] raw = new short[ct.voxels().size()];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (short) (ct.value(i) + 1024);
        }
        NiftiWriter.write(new Volume(N, N, NZ, Voxels.ofShorts(raw), LPS), unscaled);
        LabelledCase bad = new LabelledCase("u", unscaled, good.label());
        assertThatThrownBy(() -> SliceSet.load(List.of(good, bad), PreprocessingSpec.defaults(), 3,
                NiftiReader.defaults()))
                .isInstanceOf(io.liverseg.imaging.nifti.NiftiException.class)
                .hasMessageContaining("unscaled_img.nii.gz: NIfTI field 'data'");
    }

    @Test
    void fingerprintFollowsContentNotOrder() throws IOException {
        LabelledCase a = writeCase("a", LPS);
        LabelledCase b = writeCase("b", LPS);
        String ab = DatasetFingerprint.of(List.of(a, b));
        assertThat(DatasetFingerprint.of(List.of(b, a))).isEqualTo(ab);
        assertThat(ab).startsWith("sha256:").hasSize(71);
        assertThat(DatasetFingerprint.of(List.of(a))).isNotEqualTo(ab);
        Files.write(b.label(), Files.readAllBytes(a.image()));
        assertThat(DatasetFingerprint.of(List.of(a, b))).isNotEqualTo(ab);
    }
}
