package io.liverseg.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SpatialAugmentationTest {
    private static final int SIZE = 32;
    private static final int PLANE = SIZE * SIZE;

    /** Two channels (the second the first + 1) and a label: a disc of label 1 with a label-2 square inside. */
    private static float[] image(byte[] label) {
        float[] x = new float[2 * PLANE];
        for (int p = 0; p < PLANE; p++) {
            x[p] = 0.1f + 0.3f * label[p];
            x[PLANE + p] = x[p] + 1;
        }
        return x;
    }

    private static byte[] label() {
        byte[] y = new byte[PLANE];
        for (int j = 0; j < SIZE; j++) {
            for (int i = 0; i < SIZE; i++) {
                double di = i - 14.2;
                double dj = j - 17.6;
                y[i + SIZE * j] = (byte) (Math.abs(di) < 3 && Math.abs(dj) < 3 ? 2 : di * di + dj * dj < 64 ? 1 : 0);
            }
        }
        return y;
    }

    @Test
    void theIdentityTransformChangesNothing() {
        byte[] y = label();
        float[] x = image(y);
        float[] x0 = x.clone();
        byte[] y0 = y.clone();

        new SpatialAugmentation(2, SIZE).apply(x, 0, 2, y, 0, SIZE, new SpatialAugmentation.Transform(1, 0, 0, 0));

        assertThat(x).containsExactly(x0);
        assertThat(y).containsExactly(y0);
    }

    @Test
    void aShiftMovesImageAndLabelTogetherAndFillsWithAirAndBackground() {
        byte[] y = label();
        float[] x = image(y);
        float[] x0 = x.clone();
        byte[] y0 = y.clone();

        new SpatialAugmentation(2, SIZE).apply(x, 0, 2, y, 0, SIZE, new SpatialAugmentation.Transform(1, 0, 3, 0));

        for (int j = 0; j < SIZE; j++) {
            for (int i = 0; i < SIZE; i++) {
                int p = i + SIZE * j;
                if (i < 3) {
                    assertThat(y[p]).isZero();
                    assertThat(x[p]).isEqualTo(0.1f);
                    assertThat(x[PLANE + p]).as("each channel fills with its own minimum").isEqualTo(1.1f);
                } else {
                    assertThat(y[p]).isEqualTo(y0[p - 3]);
                    assertThat(x[p]).isEqualTo(x0[p - 3]);
                    assertThat(x[PLANE + p]).isEqualTo(x0[PLANE + p - 3]);
                }
            }
        }
    }

    @Test
    void aQuarterTurnMapsPixelsAsTheTransformSays() {
        byte[] y = new byte[PLANE];
        float[] x = new float[2 * PLANE];
        y[5 + SIZE * 9] = 1;
        x[5 + SIZE * 9] = 1;

        new SpatialAugmentation(2, SIZE).apply(x, 0, 2, y, 0, SIZE,
                new SpatialAugmentation.Transform(1, Math.PI / 2, 0, 0));

        // output (i, j) reads input (j, SIZE − 1 − i): input (5, 9) lands at (SIZE − 1 − 9, 5)
        int moved = (SIZE - 1 - 9) + SIZE * 5;
        assertThat(y[moved]).isEqualTo((byte) 1);
        assertThat(x[moved]).isCloseTo(1f, within(1e-6f));
        int ones = 0;
        for (byte b : y) {
            ones += b;
        }
        assertThat(ones).isEqualTo(1);
    }

    @Test
    void randomTransformsKeepImageAndLabelAlignedInsideEachRegion() {
        SplittableRandom rnd = new SplittableRandom(7);
        SpatialAugmentation aug = new SpatialAugmentation(2, SIZE);
        for (int n = 0; n < 20; n++) {
            byte[] y = label();
            float[] x = image(y);
            aug.apply(x, 0, 2, y, 0, SIZE, rnd);
            for (int j = 1; j < SIZE - 1; j++) {
                for (int i = 1; i < SIZE - 1; i++) {
                    int p = i + SIZE * j;
                    // well inside a region (its 3×3 neighbourhood has one label) the image is that label's value
                    boolean uniform = true;
                    for (int dj = -1; dj <= 1; dj++) {
                        for (int di = -1; di <= 1; di++) {
                            uniform &= y[p + di + SIZE * dj] == y[p];
                        }
                    }
                    if (uniform) {
                        assertThat(x[p]).as("draw %d pixel (%d, %d)", n, i, j).isCloseTo(0.1f + 0.3f * y[p], within(1e-5f));
                        assertThat(x[PLANE + p]).isCloseTo(1.1f + 0.3f * y[p], within(1e-5f));
                    }
                }
            }
        }
    }

    @Test
    void drawsStayInTheirRangesAndRepeatForASeed() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int n = 0; n < 1000; n++) {
            SpatialAugmentation.Transform t = SpatialAugmentation.Transform.draw(rnd, SIZE);
            assertThat(t.scale()).isBetween(0.9, 1.1);
            assertThat(Math.toDegrees(t.radians())).isBetween(-10.0, 10.0);
            assertThat(t.shiftX()).isBetween(-0.05 * SIZE, 0.05 * SIZE);
            assertThat(t.shiftY()).isBetween(-0.05 * SIZE, 0.05 * SIZE);
        }
        assertThat(SpatialAugmentation.Transform.draw(new SplittableRandom(9), SIZE))
                .isEqualTo(SpatialAugmentation.Transform.draw(new SplittableRandom(9), SIZE));
    }

    @Test
    void theConfigTakesAShareBetweenZeroAndOne() {
        assertThat(TrainingConfig.defaults().spatialAugmentation()).isZero();
        assertThat(TrainingConfig.defaults().withSpatialAugmentation(0.5).toMap()).containsEntry("spatial_augmentation", 0.5);
        assertThatThrownBy(() -> TrainingConfig.defaults().withSpatialAugmentation(1.5))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
