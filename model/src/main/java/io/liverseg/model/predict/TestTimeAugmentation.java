package io.liverseg.model.predict;

import java.util.Locale;

/**
 * Test-time augmentation: more forward passes of transformed copies of a batch, their class probabilities mapped
 * back and averaged before the argmax. Costs one forward pass per copy.
 */
public enum TestTimeAugmentation {
    /** One pass. */
    NONE(1),
    /** The batch and its left–right mirror (2 passes); only useful for models trained with mirroring. */
    FLIP(2),
    /**
     * The batch and four copies moved by {@value #SHIFT_PIXELS} pixels of the network's input grid left, right, up
     * and down (5 passes; the edge pixels are repeated into the gap). Each pixel's probabilities are the mean over
     * the copies that saw it. It evens out the network's dependence on where a structure falls on the pooling grid;
     * the bootstrap liver model gains ≈ 0.004 liver Dice on 50 held-out phantoms with it (models/README.md).
     */
    SHIFT(5);

    /** How far {@link #SHIFT} moves each copy, in pixels of the network's input grid. */
    public static final int SHIFT_PIXELS = 4;

    private final int passes;

    TestTimeAugmentation(int passes) {
        this.passes = passes;
    }

    /** Forward passes per batch. */
    public int passes() {
        return passes;
    }

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
