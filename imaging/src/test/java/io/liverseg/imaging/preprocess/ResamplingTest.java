package io.liverseg.imaging.preprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ResamplingTest {

    @Test
    void bilinearDownsamplingAveragesPixelCentres() {
        float[] ramp = {0, 1, 2, 3};
        float[] out = Resampling.bilinear(ramp, 4, 1, 2, 1);
        // destination centres fall at source coordinates 0.5 and 2.5
        assertThat(out[0]).isCloseTo(0.5f, within(1e-6f));
        assertThat(out[1]).isCloseTo(2.5f, within(1e-6f));
    }

    @Test
    void bilinearUpsamplingInterpolatesAndClampsAtEdges() {
        float[] src = {0, 4};
        float[] out = Resampling.bilinear(src, 2, 1, 4, 1);
        // centres at -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to the last pixel)
        assertThat(out).containsExactly(new float[] {0f, 1f, 3f, 4f}, within(1e-6f));
    }

    @Test
    void bilinearKeepsAConstantImageConstantInTwoDimensions() {
        float[] src = new float[7 * 5];
        java.util.Arrays.fill(src, 0.25f);
        for (float v : Resampling.bilinear(src, 7, 5, 16, 11)) {
            assertThat(v).isCloseTo(0.25f, within(1e-6f));
        }
    }

    @Test
    void nearestPicksThePixelContainingEachCentre() {
        byte[] src = {1, 2};
        assertThat(Resampling.nearest(src, 2, 1, 4, 1)).containsExactly(1, 1, 2, 2);
        byte[] wide = {1, 2, 3, 4, 5, 6};
        assertThat(Resampling.nearest(wide, 6, 1, 3, 1)).containsExactly(2, 4, 6);
    }

    @Test
    void nearestDownThenUpRestoresBlockConstantLabels() {
        int n = 8;
        byte[] labels = new byte[n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                labels[y * n + x] = (byte) ((x / 2) + 4 * (y / 2));
            }
        }
        byte[] down = Resampling.nearest(labels, n, n, n / 2, n / 2);
        assertThat(Resampling.nearest(down, n / 2, n / 2, n, n)).containsExactly(labels);
    }
}
