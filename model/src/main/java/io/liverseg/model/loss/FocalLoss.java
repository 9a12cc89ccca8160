package io.liverseg.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * Multi-class focal loss (Lin et al. 2017) on logits, for the class imbalance of small tumours.
 *
 * <pre>
 *   FL = mean over batch and pixels of  −Σ_c t_c · α_c · (1 − p_c)^γ · log p_c,   p = softmax(logits)
 * </pre>
 *
 * For one-hot targets this is the familiar {@code −α_t (1 − p_t)^γ log p_t}. γ = 0 without α is the
 * cross-entropy; larger γ down-weights pixels that are already classified well. α_c defaults to 1.
 */
public final class FocalLoss extends Loss {

    /** Default focusing parameter γ. */
    public static final float DEFAULT_GAMMA = 2f;

    private final float gamma;
    private final float[] alpha;

    private FocalLoss(Builder builder) {
        super(builder.name);
        this.gamma = builder.gamma;
        this.alpha = LossSupport.checkedWeights(builder.alpha, "alpha");
    }

    /** A builder: γ = 2, no α, name "FocalLoss". */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray logits = LossSupport.logits(predictions);
        NDArray target = LossSupport.oneHot(labels.head(), logits);
        NDArray logP = logits.logSoftmax(1);
        NDArray weighted = target.mul(logP);
        if (gamma != 0) {
            weighted = weighted.mul(logP.exp().neg().add(1).pow(gamma));
        }
        if (alpha != null) {
            LossSupport.checkClassCount(alpha, logits, "alpha");
            weighted = weighted.mul(LossSupport.perClass(alpha, logits));
        }
        return weighted.sum(new int[] {1}).mean().neg();
    }

    /** Builder of {@link FocalLoss}. */
    public static final class Builder {
        private String name = "FocalLoss";
        private float gamma = DEFAULT_GAMMA;
        private float[] alpha;

        private Builder() {}

        /** The name under which DJL reports the loss. */
        public Builder optName(String name) {
            this.name = name;
            return this;
        }

        /** Focusing parameter γ ≥ 0 (default 2). */
        public Builder optGamma(float gamma) {
            this.gamma = gamma;
            return this;
        }

        /** Per-class balance α_c ≥ 0, one per logit channel; default none (all 1). */
        public Builder optAlpha(float... alpha) {
            this.alpha = alpha;
            return this;
        }

        /** Validates and builds. */
        public FocalLoss build() {
            if (!(gamma >= 0) || Float.isInfinite(gamma)) {
                throw new IllegalArgumentException("gamma must be finite and >= 0, got " + gamma);
            }
            return new FocalLoss(this);
        }
    }
}
