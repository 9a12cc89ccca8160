package io.liverseg.imaging.preprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import io.liverseg.imaging.nifti.NiftiException;
import io.liverseg.imaging.phantom.ContrastPhase;
import io.liverseg.imaging.phantom.PhantomCase;
import io.liverseg.imaging.phantom.PhantomGenerator;
import io.liverseg.imaging.phantom.PhantomOptions;
import io.liverseg.imaging.phantom.StorageType;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class CtIntensityCheckTest {
    private static final Path FILE = Path.of("scan.nii.gz");

    private static PhantomCase phantom(StorageType storage, ContrastPhase phase, long seed) {
        return new PhantomGenerator(PhantomOptions.defaults().withSize(64).withSlices(12, 12).withSeed(seed)
                .withStorageTypes(storage).withPhases(phase)).generate(0);
    }

    private static Volume filled(double[] values, int nx, int ny, int nz) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return new Volume(nx, ny, nz, Voxels.ofFloats(f), Affine.scaling(1, 1, 1));
    }

    private static Volume random(double lo, double hi) {
        SplittableRandom r = new SplittableRandom(5);
        double[] v = new double[64 * 64 * 12];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + (hi - lo) * r.nextDouble();
        }
        return filled(v, 64, 64, 12);
    }

    @ParameterizedTest
    @EnumSource(StorageType.class)
    void phantomCtInEveryStorageAndPhasePasses(StorageType storage) {
        for (ContrastPhase phase : ContrastPhase.values()) {
            Volume ct = phantom(storage, phase, 11).image();
            assertThat(CtIntensityCheck.check(ct, ct.voxels().size())).as("%s %s", storage, phase).isEmpty();
        }
    }

    @Test
    void ctThatLostItsRescaleInterceptIsRefusedNamingSclInter() {
        Volume stored = phantom(StorageType.INT16_OFFSET, ContrastPhase.PORTAL_VENOUS, 12).image();
        // the raw int16 values (HU + 1024) read as if they were HU, as a converter that drops the intercept writes
        Volume lost = stored.withVoxels(stored.voxels(), 1, 0);
        assertThatThrownBy(() -> CtIntensityCheck.require(lost, lost.voxels().size(), FILE))
                .isInstanceOf(NiftiException.class)
                .hasMessageStartingWith("scan.nii.gz: NIfTI field 'scl_inter': ")
                .hasMessageContaining("RescaleIntercept")
                .satisfies(e -> assertThat(((NiftiException) e).field()).isEqualTo("scl_inter"));
    }

    @Test
    void mriLikeIntensitiesAreRefusedNamingTheData() {
        Volume mri = random(0, 4000);
        assertThatThrownBy(() -> CtIntensityCheck.require(mri, mri.voxels().size(), FILE))
                .isInstanceOf(NiftiException.class)
                .hasMessageStartingWith("scan.nii.gz: NIfTI field 'data': the intensities are not CT Hounsfield units")
                .hasMessageContaining("below -50");
    }

    /** Like nibabel's anatomical.nii (an SPM-normalised MRI): a few negative voxels from resampling, median 8935. */
    @Test
    void anMriWithAFewNegativeVoxelsFromResamplingIsRefused() {
        SplittableRandom r = new SplittableRandom(6);
        double[] v = new double[64 * 64 * 12];
        for (int i = 0; i < v.length; i++) {
            v[i] = i % 1500 == 0 ? -600 : r.nextDouble(2000, 12000);
        }
        Volume mri = filled(v, 64, 64, 12);
        assertThat(CtIntensityCheck.check(mri, v.length)).hasValueSatisfying(p -> {
            assertThat(p.field()).isEqualTo("data");
            assertThat(p.message()).contains("(0.07 %) are below -50");
        });
    }

    @Test
    void anImageNormalisedToUnitRangeIsRefused() {
        Volume normalised = random(0, 1);
        assertThat(CtIntensityCheck.check(normalised, normalised.voxels().size()))
                .hasValueSatisfying(p -> assertThat(p.field()).isEqualTo("data"));
    }

    @Test
    void aBodyWithFatButNoAirPasses() {
        assertThat(CtIntensityCheck.check(random(-120, 200), Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void nanPaddingIsIgnoredAndAllNanIsRefused() {
        Volume ct = phantom(StorageType.FLOAT32, ContrastPhase.PORTAL_VENOUS, 14).image();
        float[] f = ct.voxels().floatArray().clone();
        for (int i = 0; i < f.length; i += 3) {
            f[i] = i % 2 == 0 ? Float.NaN : Float.NEGATIVE_INFINITY;
        }
        for (int i = 1; i < f.length; i += 3) {
            f[i] = Float.NaN;
        }
        // two thirds non-finite, the rest the CT: judged on the CT
        Volume padded = ct.withVoxels(Voxels.ofFloats(f), 1, 0);
        assertThat(CtIntensityCheck.check(padded, f.length)).isEmpty();
        java.util.Arrays.fill(f, Float.NaN);
        Volume nan = ct.withVoxels(Voxels.ofFloats(f), 1, 0);
        assertThat(CtIntensityCheck.check(nan, f.length))
                .hasValueSatisfying(p -> assertThat(p.message()).contains("finite"));
    }

    @Test
    void onlyTheVoxelsReadSoFarAreLookedAt() {
        double[] v = new double[64 * 64 * 12];
        SplittableRandom r = new SplittableRandom(7);
        int half = v.length / 2;
        for (int i = 0; i < v.length; i++) {
            // no air or fat in the first half; air everywhere in the second
            v[i] = i < half ? r.nextDouble(0, 100) : -1000;
        }
        Volume partly = filled(v, 64, 64, 12);
        assertThat(CtIntensityCheck.check(partly, half)).isPresent();
        assertThat(CtIntensityCheck.check(partly, v.length)).isEmpty();
        assertThat(CtIntensityCheck.check(partly, 0)).isEmpty();
    }
}
