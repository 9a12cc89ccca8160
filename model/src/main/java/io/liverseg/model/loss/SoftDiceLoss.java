package io.liverseg.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * Soft (multi-class) Dice loss on logits, optionally class-weighted.
 *
 * <p>With p = softmax(logits) over the class axis and t the one-hot target, for each class c, summing
 * over the whole batch and all pixels (a "batch Dice", stable when a slice lacks a class):
 *
 * <pre>
 *   D_c = (2·Σ p_c·t_c + ε) / (Σ p_c + Σ t_c + ε)
 *   L   = 1 − Σ_c w_c·D_c / Σ_c w_c          (w_c = 1 unless class weights are given)
 * </pre>
 *
 * <p>Empty-class convention: ε sits in numerator and denominator, so a class absent from the labels
 * and predicted absent (Σ p_c ≪ ε) scores D_c ≈ 1 and adds ≈ 0 to the loss, while a class absent from
 * the labels but predicted with total mass P scores ε/(P + ε) → 0. ε therefore has the unit "pixels of
 * probability mass"; the default ε = 1 treats a total predicted mass well below one pixel as "absent".
 */
public final class SoftDiceLoss extends Loss {

    /** Default smoothing ε, in pixels of probability mass. */
    public static final float DEFAULT_SMOOTHING = 1f;

    private final float smoothing;
    private final float[] classWeights;

    private SoftDiceLoss(Builder builder) {
        super(builder.name);
        this.smoothing = builder.smoothing;
        this.classWeights = LossSupport.checkedWeights(builder.classWeights, "class weights");
    }

    /** A builder: unweighted, ε = 1, name "SoftDiceLoss". */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray logits = LossSupport.logits(predictions);
        NDArray dice = dicePerClass(LossSupport.oneHot(labels.head(), logits), logits.softmax(1), smoothing);
        if (classWeights == null) {
            return dice.mean().neg().add(1);
        }
        LossSupport.checkClassCount(classWeights, logits, "class weights");
        float total = 0;
        for (float w : classWeights) {
            total += w;
        }
        NDArray w = logits.getManager().create(classWeights).toType(dice.getDataType(), false);
        return dice.mul(w).sum().div(total).neg().add(1);
    }

    /** D_c per class, shape (C): {@code (2Σ p·t + ε) / (Σ p + Σ t + ε)} over all non-class axes. */
    static NDArray dicePerClass(NDArray target, NDArray probabilities, float smoothing) {
        int[] axes = LossSupport.nonClassAxes(probabilities);
        NDArray intersection = probabilities.mul(target).sum(axes);
        NDArray sizes = probabilities.sum(axes).add(target.sum(axes));
        return intersection.mul(2).add(smoothing).div(sizes.add(smoothing));
    }

    /** Builder of {@link SoftDiceLoss}. */
    public static final class Builder {
        private String name = "SoftDiceLoss";
        private float smoothing = DEFAULT_SMOOTHING;
        private float[] classWeights;

        private Builder() {}

        /** The name under which DJL reports the loss. */
        public Builder optName(String name) {
            this.name = name;
            return this;
        }

        /** Smoothing ε &gt; 0 in numerator and denominator (default 1). */
        public Builder optSmoothing(float smoothing) {
            this.smoothing = smoothing;
            return this;
        }

        /** Per-class weights w_c ≥ 0 (not all 0), one per logit channel; default all 1. */
        public Builder optClassWeights(float... classWeights) {
            this.classWeights = classWeights;
            return this;
        }

        /** Validates and builds. */
        public SoftDiceLoss build() {
            if (!(smoothing > 0) || Float.isInfinite(smoothing)) {
                throw new IllegalArgumentException("smoothing must be finite and > 0, got " + smoothing);
            }
            return new SoftDiceLoss(this);
        }
    }
}
