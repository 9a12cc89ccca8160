package io.liverseg.model.predict;

import java.util.Locale;

/**
 * Test-time augmentation: more forward passes of transformed copies of a batch, their class probabilities mapped
 * back and averaged before the argmax. Costs one forward pass per copy.
 */
public enum TestTimeAugmentation {
    /** One pass. */
    NONE,
    /** The batch and its left–right mirror (2 passes); only useful for models trained with mirroring. */
    FLIP,
    /**
     * The batch and four copies moved by {@value #SHIFT_PIXELS} pixels of the network's input grid left, right, up
     * and down (5 passes; the edge pixels are repeated into the gap). Each pixel's probabilities are the mean over
     * the copies that saw it. The bootstrap liver model gains ≈ 0.004 liver Dice on 50 held-out phantoms with it
     * (models/README.md).
     */
    SHIFT;

    /** How far {@link #SHIFT} moves each copy, in pixels of the network's input grid. */
    public static final int SHIFT_PIXELS = 4;

    /** The lower-case name used on command lines and in config ({@code none}, {@code flip}, {@code shift}). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** From {@link #id()}, case-insensitive. */
    public static TestTimeAugmentation parse(String text) {
        for (TestTimeAugmentation t : values()) {
            if (t.id().equalsIgnoreCase(text.trim())) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown test-time augmentation '" + text + "': none, flip or shift");
    }
}
