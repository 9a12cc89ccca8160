package io.liverseg.model.net;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;

/** The few layer shapes the network is made of, so every block builds them the same way. */
final class Layers {

    /** Batch-norm ε (DJL's default, set explicitly because batch-norm folding must use the same value). */
    static final float BN_EPSILON = 1e-5f;

    private Layers() {}

    /**
     * 3×3 convolution, stride 1, padding 1 (size-preserving). It keeps its bias even though a batch norm
     * follows: the bias is redundant there, but the design's parameter count (≈515 k) includes it.
     */
    static Conv2d conv3x3(int filters) {
        return Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .optPadding(new Shape(1, 1))
                .setFilters(filters)
                .optBias(true)
                .build();
    }

    /** 1×1 convolution (a per-pixel linear map of the channels). */
    static Conv2d conv1x1(int filters, boolean bias) {
        return Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(filters).optBias(bias).build();
    }

    /** Batch norm over the channel axis (1), ε = {@link #BN_EPSILON}, DJL's momentum 0.9. */
    static BatchNorm batchNorm() {
        return BatchNorm.builder().optAxis(1).optEpsilon(BN_EPSILON).build();
    }
}
