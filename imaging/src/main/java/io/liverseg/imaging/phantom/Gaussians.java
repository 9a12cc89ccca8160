package io.liverseg.imaging.phantom;

import java.util.SplittableRandom;

/**
 * Standard normal noise for the scanner model. Samples come from a 4096-entry table of normal quantiles
 * (Acklam's rational approximation of the inverse CDF), linearly interpolated with the low bits of the
 * draw: two samples per {@code nextLong}, a few nanoseconds each, tails cut at ±3.5σ (no CT noise model
 * needs more), and a fixed algorithm, so noise cannot change between Java releases.
 */
final class Gaussians {
    private static final double[] A = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
        1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
    private static final double[] B = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
        6.680131188771972e+01, -1.328068155288572e+01};
    private static final double[] C = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
        -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
    private static final double[] D = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
        3.754408661907416e+00};
    private static final double P_LOW = 0.02425;
    private static final int BITS = 12;
    private static final int SIZE = 1 << BITS;
    /** Quantiles at (i + 0.5) / SIZE, rescaled so the interpolated distribution has unit variance. */
    private static final float[] TABLE = table();

    private Gaussians() {
    }

    /** Fills out with N(0, sigma²) samples. */
    static void fill(SplittableRandom r, float[] out, double sigma) {
        float s = (float) sigma;
        int n = out.length;
        int p = 0;
        while (p < n) {
            long bits = r.nextLong();
            out[p++] = s * sample((int) bits);
            if (p < n) {
                out[p++] = s * sample((int) (bits >>> 32));
            }
        }
    }

    private static float sample(int bits) {
        int idx = bits >>> (32 - BITS);
        float frac = (bits & ((1 << (32 - BITS)) - 1)) * (1f / (1 << (32 - BITS)));
        // Interpolate between neighbouring quantiles; the last cell folds back onto the first by symmetry.
        int next = idx + 1 < SIZE ? idx + 1 : idx;
        return TABLE[idx] + frac * (TABLE[next] - TABLE[idx]);
    }

    private static float[] table() {
        double[] q = new double[SIZE];
        for (int i = 0; i < SIZE; i++) {
            q[i] = inverseCdf((i + 0.5) / SIZE);
        }
        // Variance of the piecewise-linear distribution: each cell is uniform between q[i] and q[i+1].
        double var = 0;
        for (int i = 0; i < SIZE; i++) {
            double a = q[i];
            double b = i + 1 < SIZE ? q[i + 1] : q[i];
            var += (a * a + a * b + b * b) / 3;
        }
        var /= SIZE;
        double scale = 1 / Math.sqrt(var);
        float[] t = new float[SIZE];
        for (int i = 0; i < SIZE; i++) {
            t[i] = (float) (q[i] * scale);
        }
        return t;
    }

    static double inverseCdf(double p) {
        if (p < P_LOW) {
            return tail(Math.sqrt(-2 * StrictMath.log(p)));
        }
        if (p > 1 - P_LOW) {
            return -tail(Math.sqrt(-2 * StrictMath.log(1 - p)));
        }
        double q = p - 0.5;
        double r = q * q;
        return (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
                / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
    }

    private static double tail(double q) {
        return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
                / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
    }
}
