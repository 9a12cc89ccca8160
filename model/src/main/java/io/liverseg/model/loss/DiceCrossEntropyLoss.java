package io.liverseg.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * The design's training loss: {@code L = w_dice·L_dice + w_ce·L_ce} on logits (N, C, H, W).
 *
 * <p>L_dice is {@link SoftDiceLoss} (optionally class-weighted, same ε convention); L_ce is the
 * softmax cross-entropy averaged over batch and pixels, {@code −mean Σ_c t_c·log softmax(z)_c}. Dice
 * optimizes overlap directly; cross-entropy gives smooth, well-scaled gradients early in training.
 * Default weights 1 : 1.
 */
public final class DiceCrossEntropyLoss extends Loss {

    private final float diceWeight;
    private final float crossEntropyWeight;
    private final SoftDiceLoss dice;

    private DiceCrossEntropyLoss(Builder builder) {
        super(builder.name);
        this.diceWeight = builder.diceWeight;
        this.crossEntropyWeight = builder.crossEntropyWeight;
        this.dice = SoftDiceLoss.builder()
                .optName(builder.name + "_dice")
                .optSmoothing(builder.smoothing)
                .optClassWeights(builder.classWeights)
                .build();
    }

    /** A builder: weights 1 : 1, ε = 1, unweighted classes, name "DiceCrossEntropyLoss". */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray logits = LossSupport.logits(predictions);
        NDArray total = null;
        if (diceWeight != 0) {
            total = dice.evaluate(labels, predictions).mul(diceWeight);
        }
        if (crossEntropyWeight != 0) {
            NDArray ce = CrossEntropy.mean(LossSupport.oneHot(labels.head(), logits), logits).mul(crossEntropyWeight);
            total = total == null ? ce : total.add(ce);
        }
        return total;
    }

    /** Builder of {@link DiceCrossEntropyLoss}. */
    public static final class Builder {
        private String name = "DiceCrossEntropyLoss";
        private float diceWeight = 1f;
        private float crossEntropyWeight = 1f;
        private float smoothing = SoftDiceLoss.DEFAULT_SMOOTHING;
        private float[] classWeights;

        private Builder() {}

        /** The name under which DJL reports the loss. */
        public Builder optName(String name) {
            this.name = name;
            return this;
        }

        /** Weight of the Dice term (default 1). */
        public Builder optDiceWeight(float diceWeight) {
            this.diceWeight = diceWeight;
            return this;
        }

        /** Weight of the cross-entropy term (default 1). */
        public Builder optCrossEntropyWeight(float crossEntropyWeight) {
            this.crossEntropyWeight = crossEntropyWeight;
            return this;
        }

        /** Dice smoothing ε (default 1). */
        public Builder optSmoothing(float smoothing) {
            this.smoothing = smoothing;
            return this;
        }

        /** Per-class weights of the Dice term (default all 1). */
        public Builder optClassWeights(float... classWeights) {
            this.classWeights = classWeights;
            return this;
        }

        /** Validates and builds. */
        public DiceCrossEntropyLoss build() {
            for (float w : new float[] {diceWeight, crossEntropyWeight}) {
                if (!(w >= 0) || Float.isInfinite(w)) {
                    throw new IllegalArgumentException("term weights must be finite and >= 0, got " + w);
                }
            }
            if (diceWeight == 0 && crossEntropyWeight == 0) {
                throw new IllegalArgumentException("at least one term weight must be > 0");
            }
            return new DiceCrossEntropyLoss(this);
        }
    }
}
