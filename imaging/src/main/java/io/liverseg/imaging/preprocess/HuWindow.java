package io.liverseg.imaging.preprocess;

/**
 * A Hounsfield-unit window: values are clipped to [lower, upper] before normalisation.
 *
 * @param lower lowest HU kept (inclusive)
 * @param upper highest HU kept (inclusive)
 */
public record HuWindow(double lower, double upper) {
    /** The abdominal soft-tissue window liverseg's liver models use by default. */
    public static final HuWindow ABDOMEN = new HuWindow(-100, 200);

    public HuWindow {
        if (!Double.isFinite(lower) || !Double.isFinite(upper) || lower >= upper) {
            throw new IllegalArgumentException("HU window needs finite lower < upper, got [" + lower + ", " + upper + "]");
        }
    }

    public double clip(double hu) {
        return hu < lower ? lower : Math.min(hu, upper);
    }
}
