package io.liverseg.model.net;

import java.util.Objects;

/**
 * Everything needed to rebuild an {@link AttentionResUNet} network, e.g. from a saved model package.
 *
 * @param inputChannels input channels: 1 (one CT slice) or 3 (the slice and its two neighbours)
 * @param classes output classes (logit channels), background included
 * @param baseFeatures features of the first level; they double at every level below
 * @param levels resolution levels including the bottleneck (levels − 1 poolings)
 * @param attention the attention gate on every skip connection
 */
public record UNetConfig(int inputChannels, int classes, int baseFeatures, int levels, AttentionType attention) {

    /** The most levels accepted (2^(levels−1) must divide the slice size). */
    public static final int MAX_LEVELS = 8;

    /** Validates the values. */
    public UNetConfig {
        Objects.requireNonNull(attention, "attention");
        if (inputChannels < 1) {
            throw new IllegalArgumentException("inputChannels must be >= 1, got " + inputChannels);
        }
        if (classes < 1) {
            throw new IllegalArgumentException("classes must be >= 1, got " + classes);
        }
        if (baseFeatures < 2) {
            // The attention projections use baseFeatures/2 channels at the finest level.
            throw new IllegalArgumentException("baseFeatures must be >= 2, got " + baseFeatures);
        }
        if (levels < 2 || levels > MAX_LEVELS) {
            throw new IllegalArgumentException("levels must be in [2, " + MAX_LEVELS + "], got " + levels);
        }
        if ((long) baseFeatures << (levels - 1) > 1 << 16) {
            throw new IllegalArgumentException("bottleneck features " + baseFeatures + "·2^" + (levels - 1)
                    + " are unreasonably large");
        }
    }

    /** The liver model of the design: 1 slice in, background/liver/tumour out, base 8, 5 levels. */
    public static UNetConfig liver() {
        return new UNetConfig(1, 3, 8, 5, AttentionType.DOT_PRODUCT);
    }

    /** The vessel model of the design: 1 slice in, background/vessel/tumour out, base 16, 5 levels. */
    public static UNetConfig vessel() {
        return new UNetConfig(1, 3, 16, 5, AttentionType.DOT_PRODUCT);
    }

    /** Features at {@code level} (0 = full resolution): baseFeatures·2^level. */
    public int features(int level) {
        if (level < 0 || level >= levels) {
            throw new IndexOutOfBoundsException("level " + level + " outside [0, " + levels + ")");
        }
        return baseFeatures << level;
    }

    /** Channels d of the attention projections at {@code level}: half the skip features. */
    public int attentionChannels(int level) {
        return Math.max(1, features(level) / 2);
    }

    /** The factor that height and width of an input must be divisible by: 2^(levels−1). */
    public int sizeDivisor() {
        return 1 << (levels - 1);
    }
}
