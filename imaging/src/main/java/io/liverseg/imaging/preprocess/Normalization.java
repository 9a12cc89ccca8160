package io.liverseg.imaging.preprocess;

/**
 * How windowed HU become network inputs: {@code UNIT_RANGE} maps the window linearly onto [0, 1];
 * {@code Z_SCORE} subtracts a fixed mean and divides by a fixed standard deviation (both in HU, taken from
 * the training set and recorded with the model, so inference reproduces training exactly).
 */
public record Normalization(Mode mode, double mean, double std) {
    /** The normalisation modes. */
    public enum Mode { UNIT_RANGE, Z_SCORE }

    public static final Normalization UNIT = new Normalization(Mode.UNIT_RANGE, 0, 1);

    public Normalization {
        if (mode == null) {
            throw new IllegalArgumentException("normalization mode is required");
        }
        if (mode == Mode.Z_SCORE && !(std > 0 && Double.isFinite(mean))) {
            throw new IllegalArgumentException("z-score normalization needs a finite mean and std > 0, got mean="
                    + mean + " std=" + std);
        }
    }

    public static Normalization zScore(double mean, double std) {
        return new Normalization(Mode.Z_SCORE, mean, std);
    }

    /** The network input for a HU value already clipped to {@code window}. */
    public float apply(double clippedHu, HuWindow window) {
        return switch (mode) {
            case UNIT_RANGE -> (float) ((clippedHu - window.lower()) / (window.upper() - window.lower()));
            case Z_SCORE -> (float) ((clippedHu - mean) / std);
        };
    }
}
