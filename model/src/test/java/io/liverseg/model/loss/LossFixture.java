package io.liverseg.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * A tiny segmentation problem — N = 2 slices of 2×2 pixels, C = 3 classes — with the expected loss
 * terms computed in plain Java (double precision), independent of DJL.
 */
final class LossFixture {

    static final int N = 2;
    static final int C = 3;
    static final int H = 2;
    static final int W = 2;
    static final int PIXELS = N * H * W;

    /** logits[n][c][y][x], flattened in NCHW order. */
    final float[] logits;
    /** labels[n][y][x] in NHW order. */
    final int[] labels;

    LossFixture(float[] logits, int[] labels) {
        this.logits = logits;
        this.labels = labels;
    }

    /** All three classes present in the labels, moderately confident logits. */
    static LossFixture allPresent() {
        return new LossFixture(new float[] {
            // n = 0: class 0, 1, 2 planes (y0x0, y0x1, y1x0, y1x1)
            2.0f, 0.5f, -1.0f, 0.1f,
            -0.5f, 1.5f, 0.3f, -2.0f,
            0.2f, -0.3f, 1.2f, 0.4f,
            // n = 1
            0.0f, 1.0f, 0.5f, -0.5f,
            1.0f, 0.2f, -1.0f, 0.7f,
            -1.0f, 0.4f, 2.0f, 0.1f
        }, new int[] {0, 1, 2, 0, 1, 1, 2, 0});
    }

    /** Class 2 absent from the labels; its logit is {@code class2Logit} everywhere. */
    static LossFixture classTwoAbsent(float class2Logit) {
        LossFixture base = allPresent();
        float[] z = base.logits.clone();
        for (int n = 0; n < N; n++) {
            for (int p = 0; p < H * W; p++) {
                z[(n * C + 2) * H * W + p] = class2Logit;
            }
        }
        return new LossFixture(z, new int[] {0, 1, 1, 0, 1, 1, 0, 0});
    }

    NDArray logits(NDManager m) {
        return m.create(logits, new Shape(N, C, H, W));
    }

    NDArray labels(NDManager m) {
        return m.create(labels, new Shape(N, H, W));
    }

    NDArray oneHot(NDManager m) {
        float[] t = new float[N * C * H * W];
        for (int n = 0; n < N; n++) {
            for (int p = 0; p < H * W; p++) {
                t[(n * C + labels[n * H * W + p]) * H * W + p] = 1;
            }
        }
        return m.create(t, new Shape(N, C, H, W)).toType(DataType.FLOAT32, false);
    }

    /** softmax probability of class c at pixel index i = n·H·W + p. */
    double prob(int c, int i) {
        int n = i / (H * W);
        int p = i % (H * W);
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < C; k++) {
            max = Math.max(max, logits[(n * C + k) * H * W + p]);
        }
        double sum = 0;
        for (int k = 0; k < C; k++) {
            sum += Math.exp(logits[(n * C + k) * H * W + p] - max);
        }
        return Math.exp(logits[(n * C + c) * H * W + p] - max) / sum;
    }

    /** D_c = (2Σ p·t + ε) / (Σ p + Σ t + ε) over both slices and all pixels. */
    double dice(int c, double eps) {
        double inter = 0;
        double sp = 0;
        double st = 0;
        for (int i = 0; i < PIXELS; i++) {
            double p = prob(c, i);
            double t = labels[i] == c ? 1 : 0;
            inter += p * t;
            sp += p;
            st += t;
        }
        return (2 * inter + eps) / (sp + st + eps);
    }

    /** 1 − Σ w_c D_c / Σ w_c. */
    double diceLoss(double eps, double... weights) {
        double num = 0;
        double den = 0;
        for (int c = 0; c < C; c++) {
            double w = weights.length == 0 ? 1 : weights[c];
            num += w * dice(c, eps);
            den += w;
        }
        return 1 - num / den;
    }

    /** mean over pixels of −log p_label. */
    double crossEntropy() {
        double s = 0;
        for (int i = 0; i < PIXELS; i++) {
            s -= Math.log(prob(labels[i], i));
        }
        return s / PIXELS;
    }

    /** mean over pixels of −α_t (1 − p_t)^γ log p_t. */
    double focal(double gamma, double... alpha) {
        double s = 0;
        for (int i = 0; i < PIXELS; i++) {
            double pt = prob(labels[i], i);
            double a = alpha.length == 0 ? 1 : alpha[labels[i]];
            s -= a * Math.pow(1 - pt, gamma) * Math.log(pt);
        }
        return s / PIXELS;
    }
}
