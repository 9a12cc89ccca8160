package io.liverseg.model.predict;

import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * The attention gates' α maps of a batch as bytes on the network's grid, ready for the same mapping to the input
 * grid that probabilities take ({@link io.liverseg.imaging.preprocess.ProbabilityAssembler}): laid out (slice, gate,
 * size, size), each byte round(α × 255), finest gate first. A coarser gate's map (size / 2^i) is upsampled
 * bilinearly with pixel centres aligned (as PyTorch's {@code interpolate(..., align_corners=False)}), so every
 * gate covers the slice as the viewer shows it.
 */
public final class AttentionMaps {
    private AttentionMaps() {
    }

    /**
     * @param prediction a {@link SlicePredictor#predictWithAttention} result of {@code count} slices
     * @param size       the network's input size (the finest map's)
     */
    public static byte[] quantised(SlicePredictor.Prediction prediction, int count, int size) {
        List<float[]> maps = prediction.attention();
        int gates = maps.size();
        int plane = size * size;
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(count, gates), plane)];
        for (int g = 0; g < gates; g++) {
            Shape s = prediction.attentionShapes().get(g);
            int h = (int) s.get(2);
            int w = (int) s.get(3);
            if (s.get(0) != count || s.get(1) != 1 || h > size || w > size) {
                throw new IllegalArgumentException("gate " + g + " has shape " + s + ", not (" + count + ", 1, ≤ "
                        + size + ", ≤ " + size + ")");
            }
            for (int n = 0; n < count; n++) {
                upsample(maps.get(g), n * h * w, h, w, size, size, out, (n * gates + g) * plane);
            }
        }
        return out;
    }

    /**
     * Bilinear upsampling of one {@code h × w} map at {@code from} to {@code outH × outW} bytes round(α × 255),
     * α clamped to [0, 1]; the identity (quantised) when the sizes are equal.
     */
    static void upsample(float[] map, int from, int h, int w, int outH, int outW, byte[] out, int to) {
        for (int y = 0; y < outH; y++) {
            double sy = Math.max(0, (y + 0.5) * h / outH - 0.5);
            int y0 = Math.min((int) sy, h - 1);
            int y1 = Math.min(y0 + 1, h - 1);
            double fy = sy - y0;
            for (int x = 0; x < outW; x++) {
                double sx = Math.max(0, (x + 0.5) * w / outW - 0.5);
                int x0 = Math.min((int) sx, w - 1);
                int x1 = Math.min(x0 + 1, w - 1);
                double fx = sx - x0;
                double top = map[from + y0 * w + x0] * (1 - fx) + map[from + y0 * w + x1] * fx;
                double bottom = map[from + y1 * w + x0] * (1 - fx) + map[from + y1 * w + x1] * fx;
                double a = Math.min(1, Math.max(0, top * (1 - fy) + bottom * fy));
                out[to + y * outW + x] = (byte) Math.round(a * 255);
            }
        }
    }
}
