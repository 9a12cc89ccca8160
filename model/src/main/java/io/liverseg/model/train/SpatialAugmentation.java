package io.liverseg.model.train;

import java.util.SplittableRandom;

/**
 * A random in-plane similarity transform of one training slice — scale, rotation and shift about the centre —
 * applied alike to every input channel (bilinear) and to the label (nearest), so image and label stay aligned.
 * Anatomy and scanners vary in size, tilt and table position; a model that has seen its few hundred training
 * cases only as drawn learns their exact placement (liver version 5 segments its training cases clearly better
 * than held-out ones). No flips: the body's left and right are not symmetric and the network sees canonical
 * (RAS) slices.
 *
 * <p>Ranges: scale ×[1 − {@value #MAX_SCALE}, 1 + {@value #MAX_SCALE}], rotation ±{@value #MAX_ROTATION_DEGREES}°,
 * shift ±{@value #MAX_SHIFT} of the slice size per axis. Pixels that come from outside the slice take the
 * slice's smallest value in that channel (air after windowing) and label 0.
 */
public final class SpatialAugmentation {
    static final double MAX_SCALE = 0.1;
    static final double MAX_ROTATION_DEGREES = 10;
    static final double MAX_SHIFT = 0.05;

    private final float[] image;
    private final byte[] label;

    /** Scratch space for slices of {@code channels} × {@code size}². */
    public SpatialAugmentation(int channels, int size) {
        this.image = new float[channels * size * size];
        this.label = new byte[size * size];
    }

    /**
     * A transform drawn from {@code rnd}: output pixel (i, j) reads the input at the inverse map, rotation and scale
     * about the slice centre after removing the shift (see {@link #apply}).
     */
    record Transform(double scale, double radians, double shiftX, double shiftY) {
        static Transform draw(SplittableRandom rnd, int size) {
            return new Transform(1 + (rnd.nextDouble() * 2 - 1) * MAX_SCALE,
                    Math.toRadians((rnd.nextDouble() * 2 - 1) * MAX_ROTATION_DEGREES),
                    (rnd.nextDouble() * 2 - 1) * MAX_SHIFT * size, (rnd.nextDouble() * 2 - 1) * MAX_SHIFT * size);
        }
    }

    /**
     * Transforms one slice in place: {@code channels} planes of {@code size}² floats at {@code x[xOffset]} (row-major,
     * index i + size·j) and its labels at {@code y[yOffset]}, with a transform drawn from {@code rnd}.
     */
    public void apply(float[] x, int xOffset, int channels, byte[] y, int yOffset, int size, SplittableRandom rnd) {
        apply(x, xOffset, channels, y, yOffset, size, Transform.draw(rnd, size));
    }

    void apply(float[] x, int xOffset, int channels, byte[] y, int yOffset, int size, Transform t) {
        int plane = size * size;
        float[] fill = new float[channels];
        for (int ch = 0; ch < channels; ch++) {
            float min = Float.POSITIVE_INFINITY;
            for (int p = xOffset + ch * plane, end = p + plane; p < end; p++) {
                min = Math.min(min, x[p]);
            }
            fill[ch] = min;
        }
        double c = (size - 1) / 2.0;
        double cos = Math.cos(t.radians());
        double sin = Math.sin(t.radians());
        for (int j = 0; j < size; j++) {
            double v = j - c - t.shiftY();
            for (int i = 0; i < size; i++) {
                double u = i - c - t.shiftX();
                double sx = (cos * u + sin * v) / t.scale() + c;
                double sy = (-sin * u + cos * v) / t.scale() + c;
                int out = i + size * j;
                int ni = (int) Math.round(sx);
                int nj = (int) Math.round(sy);
                label[out] = ni >= 0 && nj >= 0 && ni < size && nj < size ? y[yOffset + ni + size * nj] : 0;
                int i0 = (int) Math.floor(sx);
                int j0 = (int) Math.floor(sy);
                double fx = sx - i0;
                double fy = sy - j0;
                for (int ch = 0; ch < channels; ch++) {
                    int base = xOffset + ch * plane;
                    double v00 = at(x, base, i0, j0, size, fill[ch]);
                    double v10 = at(x, base, i0 + 1, j0, size, fill[ch]);
                    double v01 = at(x, base, i0, j0 + 1, size, fill[ch]);
                    double v11 = at(x, base, i0 + 1, j0 + 1, size, fill[ch]);
                    image[ch * plane + out] = (float) ((v00 * (1 - fx) + v10 * fx) * (1 - fy)
                            + (v01 * (1 - fx) + v11 * fx) * fy);
                }
            }
        }
        System.arraycopy(image, 0, x, xOffset, channels * plane);
        System.arraycopy(label, 0, y, yOffset, plane);
    }

    private static double at(float[] x, int base, int i, int j, int size, float fill) {
        return i >= 0 && j >= 0 && i < size && j < size ? x[base + i + size * j] : fill;
    }
}
