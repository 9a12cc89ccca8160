package io.liverseg.imaging.measure;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;

/**
 * Overlap counts per class between a prediction and a reference label map, from which both Dice flavours
 * follow:
 * <ul>
 *   <li><b>per-case Dice</b> ({@link #dice(int)}) = 2|P∩T| / (|P| + |T|) for one case. Convention for a class
 *   absent from both prediction and reference: Dice = 1.0 (a correct "nothing here"), as LiTS scored
 *   tumour-free cases; a class absent from the reference but predicted scores 0.</li>
 *   <li><b>global Dice</b>: the counts of all cases summed first ({@link #plus}), then one Dice — large
 *   cases weigh more. The mean of per-case Dice and the global Dice differ; report both and say which.</li>
 * </ul>
 */
public final class DiceCounts {
    private final long[] intersection;
    private final long[] predicted;
    private final long[] reference;

    private DiceCounts(int classes) {
        intersection = new long[classes];
        predicted = new long[classes];
        reference = new long[classes];
    }

    /** Empty counts (the start of a global sum). */
    public static DiceCounts empty(int classes) {
        return new DiceCounts(classes);
    }

    /**
     * Counts for one case; label values at or above {@code classes} are an error.
     *
     * @throws GridMismatchException when the two grids differ
     */
    public static DiceCounts of(Volume prediction, Volume reference, int classes) {
        Grids.requireSameGrid(prediction, reference, "prediction vs reference");
        DiceCounts c = new DiceCounts(classes);
        Voxels p = prediction.voxels();
        Voxels r = reference.voxels();
        for (int i = 0; i < p.size(); i++) {
            int pv = checked(p.getLong(i), classes, "prediction", i);
            int rv = checked(r.getLong(i), classes, "reference", i);
            c.predicted[pv]++;
            c.reference[rv]++;
            if (pv == rv) {
                c.intersection[pv]++;
            }
        }
        return c;
    }

    /** Counts from label arrays of equal length (for slice-level evaluation). */
    public static DiceCounts of(byte[] prediction, byte[] reference, int classes) {
        if (prediction.length != reference.length) {
            throw new IllegalArgumentException("prediction has " + prediction.length + " labels, reference "
                    + reference.length);
        }
        DiceCounts c = new DiceCounts(classes);
        for (int i = 0; i < prediction.length; i++) {
            int pv = checked(prediction[i] & 0xFF, classes, "prediction", i);
            int rv = checked(reference[i] & 0xFF, classes, "reference", i);
            c.predicted[pv]++;
            c.reference[rv]++;
            if (pv == rv) {
                c.intersection[pv]++;
            }
        }
        return c;
    }

    public int classes() {
        return intersection.length;
    }

    /** Dice of one class for these counts; 1.0 when the class is absent from both. */
    public double dice(int cls) {
        long denominator = predicted[cls] + reference[cls];
        return denominator == 0 ? 1.0 : 2.0 * intersection[cls] / denominator;
    }

    /** True when the class is absent from prediction and reference (its Dice is the 1.0 convention). */
    public boolean isEmpty(int cls) {
        return predicted[cls] + reference[cls] == 0;
    }

    public long intersection(int cls) {
        return intersection[cls];
    }

    public long predicted(int cls) {
        return predicted[cls];
    }

    public long reference(int cls) {
        return reference[cls];
    }

    /** The sum of two count sets (for global Dice over cases). */
    public DiceCounts plus(DiceCounts other) {
        if (other.classes() != classes()) {
            throw new IllegalArgumentException("class counts differ: " + classes() + " vs " + other.classes());
        }
        DiceCounts s = new DiceCounts(classes());
        for (int c = 0; c < classes(); c++) {
            s.intersection[c] = intersection[c] + other.intersection[c];
            s.predicted[c] = predicted[c] + other.predicted[c];
            s.reference[c] = reference[c] + other.reference[c];
        }
        return s;
    }

    private static int checked(long v, int classes, String which, int index) {
        if (v < 0 || v >= classes) {
            throw new IllegalArgumentException(which + " label " + v + " at voxel " + index + " is not a class in [0, "
                    + classes + ")");
        }
        return (int) v;
    }
}
