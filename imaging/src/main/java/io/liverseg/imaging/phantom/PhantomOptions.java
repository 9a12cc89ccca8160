package io.liverseg.imaging.phantom;

import java.util.List;
import java.util.Objects;

/**
 * Knobs of the phantom generator. Every range is sampled per case; lists are the choices a case picks from.
 * Use {@link #defaults()} and the {@code with...} methods.
 *
 * @param task               label convention
 * @param size               in-plane matrix (size × size), e.g. 256 or 512
 * @param seed               generator seed; case {@code i} depends only on (seed, i, options)
 * @param minSlices          fewest slices
 * @param maxSlices          most slices
 * @param minSpacing         smallest in-plane voxel size in mm
 * @param maxSpacing         largest in-plane voxel size in mm
 * @param minSliceThickness  smallest slice spacing in mm
 * @param maxSliceThickness  largest slice spacing in mm
 * @param orientations       storage orientations to choose from: three-letter codes with the axes in x, y, z
 *                           order, each R/L, A/P, S/I (e.g. "RAS", "LPS", "LPI")
 * @param storageTypes       image storage types to choose from
 * @param phases             contrast phases to choose from, by {@link ContrastPhase#weight()}
 * @param minNoise           smallest noise sigma in HU
 * @param maxNoise           largest noise sigma in HU
 * @param tumourFreeFraction probability that a case has no tumour
 * @param maxTumours         most tumours in one case
 */
public record PhantomOptions(
        PhantomTask task, int size, long seed,
        int minSlices, int maxSlices,
        double minSpacing, double maxSpacing,
        double minSliceThickness, double maxSliceThickness,
        List<String> orientations, List<StorageType> storageTypes, List<ContrastPhase> phases,
        double minNoise, double maxNoise,
        double tumourFreeFraction, int maxTumours) {

    /**
     * The in-plane spacing range at a 512 matrix. Smaller matrices scale it up so the field of view stays
     * 307 to 512 mm, an abdomen plus margin: a 256 phantom then looks like a real scan downsampled by two,
     * which is what a 256-input model sees, instead of a crop through the middle of the body.
     */
    public static final double SPACING_512_MIN = 0.6;
    public static final double SPACING_512_MAX = 1.0;

    public PhantomOptions {
        Objects.requireNonNull(task, "task");
        if (size < 16 || size > 2048) {
            throw new IllegalArgumentException("size must be 16..2048, got " + size);
        }
        if (minSlices < 1 || maxSlices < minSlices) {
            throw new IllegalArgumentException("bad slice range " + minSlices + ".." + maxSlices);
        }
        if ((long) size * size * maxSlices > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("size " + size + "² × " + maxSlices + " slices is more voxels than a"
                    + " Java array holds");
        }
        range("spacing", minSpacing, maxSpacing);
        range("slice thickness", minSliceThickness, maxSliceThickness);
        if (!(minNoise >= 0) || maxNoise < minNoise) {
            throw new IllegalArgumentException("bad noise range " + minNoise + ".." + maxNoise);
        }
        if (!(tumourFreeFraction >= 0 && tumourFreeFraction <= 1)) {
            throw new IllegalArgumentException("tumourFreeFraction must be in [0, 1]: " + tumourFreeFraction);
        }
        if (maxTumours < 0) {
            throw new IllegalArgumentException("maxTumours must be >= 0: " + maxTumours);
        }
        orientations = List.copyOf(orientations);
        storageTypes = List.copyOf(storageTypes);
        phases = List.copyOf(phases);
        if (orientations.isEmpty() || storageTypes.isEmpty() || phases.isEmpty()) {
            throw new IllegalArgumentException("orientations, storage types and phases need at least one choice");
        }
        for (String o : orientations) {
            checkOrientation(o);
        }
    }

    /**
     * Liver task, 256 matrix (spacing 1.2–2.0 mm, see {@link #SPACING_512_MIN}), seed 0, 40–100 slices of
     * 1–5 mm, RAS or LPS, all three storage types, all phases, noise 5–20 HU, 15% of cases tumour-free.
     */
    public static PhantomOptions defaults() {
        return new PhantomOptions(PhantomTask.LIVER, 256, 0L, 40, 100,
                SPACING_512_MIN * 2, SPACING_512_MAX * 2, 1.0, 5.0,
                List.of("RAS", "LPS"), List.of(StorageType.values()), List.of(ContrastPhase.values()),
                5, 20, 0.15, 8);
    }

    public PhantomOptions withTask(PhantomTask t) {
        return new PhantomOptions(t, size, seed, minSlices, maxSlices, minSpacing, maxSpacing,
                minSliceThickness, maxSliceThickness, orientations, storageTypes, phases, minNoise, maxNoise,
                tumourFreeFraction, maxTumours);
    }

    /**
     * Another matrix size. The spacing range is scaled by {@code size / newSize} so the field of view range
     * is kept; call {@link #withSpacing} afterwards to choose the spacing yourself.
     */
    public PhantomOptions withSize(int newSize) {
        double f = (double) size / newSize;
        return new PhantomOptions(task, newSize, seed, minSlices, maxSlices, minSpacing * f, maxSpacing * f,
                minSliceThickness, maxSliceThickness, orientations, storageTypes, phases, minNoise, maxNoise,
                tumourFreeFraction, maxTumours);
    }

    public PhantomOptions withSeed(long s) {
        return new PhantomOptions(task, size, s, minSlices, maxSlices, minSpacing, maxSpacing,
                minSliceThickness, maxSliceThickness, orientations, storageTypes, phases, minNoise, maxNoise,
                tumourFreeFraction, maxTumours);
    }

    public PhantomOptions withSlices(int min, int max) {
        return new PhantomOptions(task, size, seed, min, max, minSpacing, maxSpacing,
                minSliceThickness, maxSliceThickness, orientations, storageTypes, phases, minNoise, maxNoise,
                tumourFreeFraction, maxTumours);
    }

    /** In-plane spacing range in mm (the field of view is size × spacing). */
    public PhantomOptions withSpacing(double min, double max) {
        return new PhantomOptions(task, size, seed, minSlices, maxSlices, min, max,
                minSliceThickness, maxSliceThickness, orientations, storageTypes, phases, minNoise, maxNoise,
                tumourFreeFraction, maxTumours);
    }

    public PhantomOptions withSliceThickness(double min, double max) {
        return new PhantomOptions(task, size, seed, minSlices, maxSlices, minSpacing, maxSpacing,
                min, max, orientations, storageTypes, phases, minNoise, maxNoise,
                tumourFreeFraction, maxTumours);
    }

    public PhantomOptions withOrientations(String... codes) {
        return new PhantomOptions(task, size, seed, minSlices, maxSlices, minSpacing, maxSpacing,
                minSliceThickness, maxSliceThickness, List.of(codes), storageTypes, phases, minNoise, maxNoise,
                tumourFreeFraction, maxTumours);
    }

    public PhantomOptions withStorageTypes(StorageType... types) {
        return new PhantomOptions(task, size, seed, minSlices, maxSlices, minSpacing, maxSpacing,
                minSliceThickness, maxSliceThickness, orientations, List.of(types), phases, minNoise, maxNoise,
                tumourFreeFraction, maxTumours);
    }

    public PhantomOptions withPhases(ContrastPhase... ps) {
        return new PhantomOptions(task, size, seed, minSlices, maxSlices, minSpacing, maxSpacing,
                minSliceThickness, maxSliceThickness, orientations, storageTypes, List.of(ps), minNoise, maxNoise,
                tumourFreeFraction, maxTumours);
    }

    public PhantomOptions withNoise(double min, double max) {
        return new PhantomOptions(task, size, seed, minSlices, maxSlices, minSpacing, maxSpacing,
                minSliceThickness, maxSliceThickness, orientations, storageTypes, phases, min, max,
                tumourFreeFraction, maxTumours);
    }

    public PhantomOptions withTumours(double freeFraction, int max) {
        return new PhantomOptions(task, size, seed, minSlices, maxSlices, minSpacing, maxSpacing,
                minSliceThickness, maxSliceThickness, orientations, storageTypes, phases, minNoise, maxNoise,
                freeFraction, max);
    }

    private static void range(String what, double min, double max) {
        if (!(min > 0) || !(max >= min) || Double.isInfinite(max)) {
            throw new IllegalArgumentException("bad " + what + " range " + min + ".." + max);
        }
    }

    static void checkOrientation(String code) {
        if (code == null || code.length() != 3 || "RL".indexOf(code.charAt(0)) < 0
                || "AP".indexOf(code.charAt(1)) < 0 || "SI".indexOf(code.charAt(2)) < 0) {
            throw new IllegalArgumentException("orientation must be [RL][AP][SI], e.g. RAS or LPS, got " + code);
        }
    }
}
