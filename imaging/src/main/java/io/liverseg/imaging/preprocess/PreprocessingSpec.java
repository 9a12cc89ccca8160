package io.liverseg.imaging.preprocess;

/**
 * Everything that turns a CT into network input, recorded with each model so inference reproduces
 * training: canonical RAS+ orientation (always), the HU window, the normalisation, the in-plane target
 * size (slices are resampled to {@code targetSize × targetSize}) and the channel count (1, or 3 adjacent
 * axial slices k−1, k, k+1 with edges repeated).
 */
public record PreprocessingSpec(HuWindow window, Normalization normalization, int targetSize, int channels) {
    /** Orientation every model works in; stored in model packages for the record. */
    public static final String ORIENTATION = "RAS";

    public PreprocessingSpec {
        if (window == null || normalization == null) {
            throw new IllegalArgumentException("window and normalization are required");
        }
        if (targetSize < 2 || targetSize > 2048) {
            throw new IllegalArgumentException("targetSize must be in [2, 2048], got " + targetSize);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
    }

    /** Abdomen window, [0, 1] scaling, 256², one channel. */
    public static PreprocessingSpec defaults() {
        return new PreprocessingSpec(HuWindow.ABDOMEN, Normalization.UNIT, 256, 1);
    }
}
