package io.liverseg.imaging.preprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import org.junit.jupiter.api.Test;

class SlicePreprocessorTest {
    private static final int NX = 4;
    private static final int NY = 3;
    private static final int NZ = 5;

    /** raw value = 10·k + 3·j + i, stored int16 with scl_inter −1024 as scanners write. */
    private static Volume ct() {
        short[] raw = new short[NX * NY * NZ];
        for (int k = 0; k < NZ; k++) {
            for (int j = 0; j < NY; j++) {
                for (int i = 0; i < NX; i++) {
                    raw[i + NX * (j + NY * k)] = (short) (1024 + 10 * k + 3 * j + i);
                }
            }
        }
        return new Volume(new int[] {NX, NY, NZ}, Voxels.ofShorts(raw), Affine.scaling(1, 1, 1), 1, -1024);
    }

    @Test
    void batchIsTheWindowedSliceResampledWithRowsAlongJAndColumnsAlongI() {
        PreprocessingSpec spec = new PreprocessingSpec(new HuWindow(0, 40), Normalization.UNIT, 6, 1);
        SlicePreprocessor pre = new SlicePreprocessor(ct(), spec);
        SliceBatch batch = pre.batch(1, 2);
        assertThat(batch.count()).isEqualTo(2);
        assertThat(batch.height()).isEqualTo(6);
        assertThat(batch.width()).isEqualTo(6);
        float[] second = java.util.Arrays.copyOfRange(batch.data(), 36, 72);
        assertThat(second).containsExactly(Resampling.bilinear(pre.windowed(2), NX, NY, 6, 6));
        // HU grows by 3 per j and 1 per i: down a column grows faster than along a row
        float alongRow = second[6 * 2 + 4] - second[6 * 2 + 1];
        float downColumn = second[6 * 4 + 2] - second[6 * 1 + 2];
        assertThat(downColumn).isGreaterThan(alongRow);
    }

    @Test
    void nativeResolutionSliceIsExactlyWindowedAndNormalised() {
        SlicePreprocessor pre = new SlicePreprocessor(ct(), new PreprocessingSpec(new HuWindow(0, 40), Normalization.UNIT, 8, 1));
        float[] slice = pre.windowed(3);
        for (int j = 0; j < NY; j++) {
            for (int i = 0; i < NX; i++) {
                double hu = 30 + 3 * j + i;
                assertThat(slice[j * NX + i]).isCloseTo((float) (Math.min(hu, 40) / 40.0), within(1e-6f));
            }
        }
        SlicePreprocessor z = new SlicePreprocessor(ct(), new PreprocessingSpec(new HuWindow(-100, 200),
                Normalization.zScore(20, 10), 8, 1));
        assertThat(z.windowed(0)[0]).isCloseTo(-2f, within(1e-6f)); // HU 0 → (0 − 20) / 10
    }

    @Test
    void everyInt16ValueBecomesTheSameInputAsThePerVoxelComputationGives() {
        // all 65536 int16 values on one 256×256 slice, with a slope and an intercept, against the same values
        // stored as float32 (computed voxel by voxel) and against the formula written out
        short[] raw = new short[1 << 16];
        float[] asFloat = new float[raw.length];
        for (int v = Short.MIN_VALUE; v <= Short.MAX_VALUE; v++) {
            raw[v - Short.MIN_VALUE] = (short) v;
            asFloat[v - Short.MIN_VALUE] = v;
        }
        int[] dims = {256, 256, 1};
        HuWindow window = new HuWindow(-150, 250);
        for (Normalization norm : new Normalization[] {Normalization.UNIT, Normalization.zScore(60.5, 87.25)}) {
            PreprocessingSpec spec = new PreprocessingSpec(window, norm, 256, 1);
            float[] fromInt16 = new SlicePreprocessor(new Volume(dims, Voxels.ofShorts(raw), Affine.scaling(1, 1, 1),
                    0.5, -1024), spec).windowed(0);
            float[] fromFloat32 = new SlicePreprocessor(new Volume(dims, Voxels.ofFloats(asFloat),
                    Affine.scaling(1, 1, 1), 0.5, -1024), spec).windowed(0);
            assertThat(fromInt16).as("%s", norm.mode()).containsExactly(fromFloat32);
            for (int v : new int[] {Short.MIN_VALUE, -1, 0, 1, 1724, 2548, 2549, Short.MAX_VALUE}) {
                double hu = Math.max(-150, Math.min(250, v * 0.5 - 1024));
                float expected = norm.mode() == Normalization.Mode.UNIT_RANGE ? (float) ((hu + 150) / 400)
                        : (float) ((hu - 60.5) / 87.25);
                assertThat(fromInt16[v - Short.MIN_VALUE]).as("%s of stored %d", norm.mode(), v).isEqualTo(expected);
            }
        }
    }

    @Test
    void threeChannelsAreTheNeighbouringSlicesWithEdgesRepeated() {
        // a square in-plane grid and the same target size make resampling the identity
        short[] raw = new short[4 * 4 * 3];
        for (int p = 0; p < raw.length; p++) {
            raw[p] = (short) (p / 16 * 10);
        }
        Volume v = new Volume(4, 4, 3, Voxels.ofShorts(raw), Affine.scaling(1, 1, 1));
        SliceBatch b = new SlicePreprocessor(v, new PreprocessingSpec(new HuWindow(0, 100), Normalization.UNIT, 4, 3))
                .batch(0, 3);
        int plane = 16;
        float[][] expected = {{0, 0, 0.1f}, {0, 0.1f, 0.2f}, {0.1f, 0.2f, 0.2f}};
        for (int n = 0; n < 3; n++) {
            for (int c = 0; c < 3; c++) {
                assertThat(b.data()[(n * 3 + c) * plane + 5]).as("slice %d channel %d", n, c)
                        .isCloseTo(expected[n][c], within(1e-6f));
            }
        }
        // a batch starting inside the volume takes its neighbours from outside the batch
        SlicePreprocessor pre = new SlicePreprocessor(v, new PreprocessingSpec(new HuWindow(0, 100), Normalization.UNIT, 3, 3));
        float[] whole = pre.batch(0, 3).data();
        for (int k = 0; k < 3; k++) {
            assertThat(pre.batch(k, 1).data()).as("slice %d alone", k)
                    .containsExactly(java.util.Arrays.copyOfRange(whole, k * 27, (k + 1) * 27));
        }
    }

    @Test
    void rejectsSlicesOutsideTheVolume() {
        SlicePreprocessor pre = new SlicePreprocessor(ct(), PreprocessingSpec.defaults());
        assertThatThrownBy(() -> pre.batch(4, 2)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[4, 6)");
    }

    @Test
    void specValidatesItsFields() {
        assertThatThrownBy(() -> new HuWindow(200, -100)).hasMessageContaining("lower < upper");
        assertThatThrownBy(() -> new PreprocessingSpec(HuWindow.ABDOMEN, Normalization.UNIT, 256, 2))
                .hasMessageContaining("channels");
        assertThatThrownBy(() -> Normalization.zScore(0, 0)).hasMessageContaining("std > 0");
    }
}
