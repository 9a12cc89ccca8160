package io.liverseg.model.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Physical layout tricks for (N, C, H, W) tensors. DJL has no memory-format API, but PyTorch infers
 * "channels last" (NHWC storage) from strides: permuting to NHWC, copying, and permuting back yields a
 * tensor that is logically NCHW and physically NHWC. oneDNN convolutions and PyTorch's pooling then run
 * their NHWC kernels and return NHWC results, which on the CPU is 2–8× faster for the few-channel,
 * large-image layers of this network (see BENCHMARK-NOTES.md). Every function here is a logical no-op:
 * results are equal whatever the physical layout, only speed differs.
 */
final class MemoryLayout {

    private MemoryLayout() {}

    /** Same values, NHWC storage (a copy). */
    static NDArray toChannelsLast(NDArray x) {
        Shape s = x.getShape();
        // reshape(-1) of the NHWC-permuted view cannot be a view, so it copies in NHWC order.
        return x.transpose(0, 2, 3, 1).reshape(-1).reshape(s.get(0), s.get(2), s.get(3), s.get(1)).transpose(0, 3, 1, 2);
    }

    /** Same values, standard contiguous NCHW storage (a copy unless it already is). */
    static NDArray toContiguous(NDArray x) {
        return x.reshape(-1).reshape(x.getShape());
    }

    /**
     * Depth-to-space by 2 written for NHWC storage: (N, 4C, H, W) → (N, C, 2H, 2W), channel
     * {@code c·4 + dy·2 + dx} at (y, x) going to pixel (2y+dy, 2x+dx) of channel c. On NHWC input every
     * step but the last reshape is a view, and the result is NHWC again.
     */
    static NDArray depthToSpaceChannelsLast(NDArray taps, int channels) {
        Shape s = taps.getShape();
        long n = s.get(0);
        long h = s.get(2);
        long w = s.get(3);
        return taps.transpose(0, 2, 3, 1)            // (N, H, W, 4C)
                .reshape(n, h, w, channels, 2, 2)     // (N, H, W, C, dy, dx)
                .transpose(0, 1, 4, 2, 5, 3)          // (N, H, dy, W, dx, C)
                .reshape(n, 2 * h, 2 * w, channels)   // (N, 2H, 2W, C)
                .transpose(0, 3, 1, 2);               // (N, C, 2H, 2W), NHWC storage
    }
}
