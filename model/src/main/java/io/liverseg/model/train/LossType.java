package io.liverseg.model.train;

import ai.djl.training.loss.Loss;
import io.liverseg.model.loss.DiceCrossEntropyLoss;
import io.liverseg.model.loss.FocalLoss;
import io.liverseg.model.loss.SoftDiceLoss;

/** The training losses a run can choose (the design's Dice+CE by default; focal and weighted Dice for small tumours). */
public enum LossType {
    /** Soft Dice + cross-entropy, 1:1 (the design's loss). */
    DICE_CE,
    /** Focal loss (γ = 2): down-weights easy pixels. */
    FOCAL,
    /** Soft Dice with class weights 0.2 : 1 : 2 (background : organ : lesion), for a tiny tumour class. */
    WEIGHTED_DICE;

    /** The DJL loss for {@code classes} output classes. */
    public Loss create(int classes) {
        return switch (this) {
            case DICE_CE -> DiceCrossEntropyLoss.builder().build();
            case FOCAL -> FocalLoss.builder().build();
            case WEIGHTED_DICE -> SoftDiceLoss.builder().optClassWeights(weights(classes)).build();
        };
    }

    private static float[] weights(int classes) {
        float[] w = new float[classes];
        for (int c = 0; c < classes; c++) {
            w[c] = c == 0 ? 0.2f : c == classes - 1 && classes > 2 ? 2f : 1f;
        }
        return w;
    }
}
