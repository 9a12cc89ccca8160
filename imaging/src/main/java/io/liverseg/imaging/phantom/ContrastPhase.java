package io.liverseg.imaging.phantom;

/**
 * Contrast phase of a phantom scan. It sets the HU of every perfused tissue; the liver parenchyma range is
 * the one tests and users can rely on (a fatty liver, see {@link PhantomInfo#fattyLiver()}, is lower still).
 */
public enum ContrastPhase {
    NON_CONTRAST(40, 60, 0.15),
    ARTERIAL(60, 85, 0.2),
    PORTAL_VENOUS(100, 130, 0.45),
    DELAYED(80, 100, 0.2);

    private final double liverMin;
    private final double liverMax;
    private final double weight;

    ContrastPhase(double liverMin, double liverMax, double weight) {
        this.liverMin = liverMin;
        this.liverMax = liverMax;
        this.weight = weight;
    }

    /**
     * How often the generator picks this phase among those allowed: portal-venous most, as in clinical
     * liver CT (and in the Decathlon data), but every phase often enough to be learnt.
     */
    public double weight() {
        return weight;
    }

    /** Lowest parenchyma HU of a non-fatty liver in this phase (before the scanner offset). */
    public double liverMinHu() {
        return liverMin;
    }

    /** Highest parenchyma HU of a non-fatty liver in this phase (before the scanner offset). */
    public double liverMaxHu() {
        return liverMax;
    }
}
