package io.liverseg.model.loss;

import ai.djl.ndarray.NDArray;

/** Pixel-wise softmax cross-entropy, shared by the combined and the focal loss. */
final class CrossEntropy {

    private CrossEntropy() {}

    /** Mean over batch and pixels of {@code −Σ_c t_c·log softmax(logits)_c}. */
    static NDArray mean(NDArray target, NDArray logits) {
        return logits.logSoftmax(1).mul(target).sum(new int[] {1}).mean().neg();
    }
}
