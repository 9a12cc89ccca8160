package io.liverseg.imaging.preprocess;

/**
 * In-plane 2D resampling with pixel-centre alignment (source coordinate = (dst + 0.5) · src/dst − 0.5,
 * as PyTorch's {@code align_corners=false}): bilinear for images, nearest neighbour for label maps.
 */
public final class Resampling {
    private Resampling() {
    }

    /** Bilinear resampling of a row-major {@code srcH × srcW} image to {@code dstH × dstW}. */
    public static float[] bilinear(float[] src, int srcW, int srcH, int dstW, int dstH) {
        float[] dst = new float[dstW * dstH];
        bilinearInto(src, srcW, srcH, dst, 0, dstW, dstH);
        return dst;
    }

    /** As {@link #bilinear}, writing into {@code dst} from {@code dstOffset}. */
    public static void bilinearInto(float[] src, int srcW, int srcH, float[] dst, int dstOffset, int dstW, int dstH) {
        if (srcW == dstW && srcH == dstH) {
            System.arraycopy(src, 0, dst, dstOffset, srcW * srcH);
            return;
        }
        int[] x0 = new int[dstW];
        int[] x1 = new int[dstW];
        float[] wx = new float[dstW];
        axisWeights(srcW, dstW, x0, x1, wx);
        int[] y0 = new int[dstH];
        int[] y1 = new int[dstH];
        float[] wy = new float[dstH];
        axisWeights(srcH, dstH, y0, y1, wy);
        for (int y = 0; y < dstH; y++) {
            int r0 = y0[y] * srcW;
            int r1 = y1[y] * srcW;
            float fy = wy[y];
            int o = dstOffset + y * dstW;
            for (int x = 0; x < dstW; x++) {
                float a = src[r0 + x0[x]] + (src[r0 + x1[x]] - src[r0 + x0[x]]) * wx[x];
                float b = src[r1 + x0[x]] + (src[r1 + x1[x]] - src[r1 + x0[x]]) * wx[x];
                dst[o + x] = a + (b - a) * fy;
            }
        }
    }

    /** Nearest-neighbour resampling of a row-major label map. */
    public static byte[] nearest(byte[] src, int srcW, int srcH, int dstW, int dstH) {
        byte[] dst = new byte[dstW * dstH];
        nearestInto(src, 0, srcW, srcH, dst, 0, dstW, dstH);
        return dst;
    }

    /** As {@link #nearest}, reading from {@code srcOffset} and writing into {@code dst} from {@code dstOffset}. */
    public static void nearestInto(byte[] src, int srcOffset, int srcW, int srcH,
                                   byte[] dst, int dstOffset, int dstW, int dstH) {
        int[] xs = nearestIndex(srcW, dstW);
        int[] ys = nearestIndex(srcH, dstH);
        for (int y = 0; y < dstH; y++) {
            int r = srcOffset + ys[y] * srcW;
            int o = dstOffset + y * dstW;
            for (int x = 0; x < dstW; x++) {
                dst[o + x] = src[r + xs[x]];
            }
        }
    }

    /** For each destination index, the source index whose pixel contains its centre. */
    static int[] nearestIndex(int srcN, int dstN) {
        int[] idx = new int[dstN];
        double scale = (double) srcN / dstN;
        for (int d = 0; d < dstN; d++) {
            idx[d] = Math.min(srcN - 1, (int) Math.floor((d + 0.5) * scale));
        }
        return idx;
    }

    private static void axisWeights(int srcN, int dstN, int[] lo, int[] hi, float[] w) {
        double scale = (double) srcN / dstN;
        for (int d = 0; d < dstN; d++) {
            double s = Math.max(0, (d + 0.5) * scale - 0.5);
            int i0 = Math.min((int) s, srcN - 1);
            lo[d] = i0;
            hi[d] = Math.min(i0 + 1, srcN - 1);
            w[d] = (float) (s - i0);
        }
    }
}
