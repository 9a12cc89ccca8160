package io.liverseg.model.predict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class AttentionMapsTest {

    private static int at(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    @Test
    void aMapOfTheNetworksSizeIsOnlyQuantisedAndClamped() {
        float[] map = {0f, 0.5f, 1f, 0.2f, 1.2f, -0.1f, 0.998f, 0.001f, 0.25f};
        byte[] out = new byte[9];
        AttentionMaps.upsample(map, 0, 3, 3, 3, 3, out, 0);
        int[] want = {0, 128, 255, 51, 255, 0, 254, 0, 64};
        for (int i = 0; i < 9; i++) {
            assertThat(at(out, i)).as("pixel %d", i).isEqualTo(want[i]);
        }
    }

    /** 2×2 → 4×4 with pixel centres aligned, values worked out by hand. */
    @Test
    void aCoarserMapIsUpsampledBilinearlyWithAlignedPixelCentres() {
        float[] map = {0f, 1f, 1f, 0f};
        byte[] out = new byte[16];
        AttentionMaps.upsample(map, 0, 2, 2, 4, 4, out, 0);
        assertThat(at(out, 0)).isZero(); // (0, 0): the corner pixel itself
        assertThat(at(out, 3)).isEqualTo(255);
        assertThat(at(out, 12)).isEqualTo(255);
        assertThat(at(out, 15)).isZero();
        // (y 1, x 1) sits at source (0.25, 0.25): 0.75·(0.75·0 + 0.25·1) + 0.25·(0.75·1 + 0.25·0) = 0.375
        assertThat(at(out, 5)).isEqualTo(96);
        // (y 1, x 2) at (0.25, 0.75): 0.75·(0.25·0 + 0.75·1) + 0.25·(0.25·1 + 0.75·0) = 0.625
        assertThat(at(out, 6)).isEqualTo(159);
        // symmetric map, symmetric result
        assertThat(at(out, 9)).isEqualTo(at(out, 6));
        assertThat(at(out, 10)).isEqualTo(at(out, 5));
    }

    @Test
    void slicesAndGatesAreLaidOutSliceByGateFinestFirst() {
        // two slices; gate 0 at 4×4 (constant per slice), gate 1 at 2×2 (constant per slice)
        float[] fine = new float[2 * 16];
        java.util.Arrays.fill(fine, 0, 16, 0.1f);
        java.util.Arrays.fill(fine, 16, 32, 0.2f);
        float[] coarse = new float[2 * 4];
        java.util.Arrays.fill(coarse, 0, 4, 0.3f);
        java.util.Arrays.fill(coarse, 4, 8, 0.4f);
        SlicePredictor.Prediction p = new SlicePredictor.Prediction(new byte[2 * 16], List.of(fine, coarse),
                List.of(new Shape(2, 1, 4, 4), new Shape(2, 1, 2, 2)));

        byte[] out = AttentionMaps.quantised(p, 2, 4);

        assertThat(out).hasSize(2 * 2 * 16);
        int[] want = {26, 77, 51, 102}; // slice 0 gate 0, slice 0 gate 1, slice 1 gate 0, slice 1 gate 1
        for (int plane = 0; plane < 4; plane++) {
            for (int i = 0; i < 16; i++) {
                assertThat(at(out, plane * 16 + i)).as("plane %d pixel %d", plane, i).isEqualTo(want[plane]);
            }
        }
        assertThatThrownBy(() -> AttentionMaps.quantised(p, 3, 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gate 0");
    }
}
