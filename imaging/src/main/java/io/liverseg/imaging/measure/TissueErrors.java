package io.liverseg.imaging.measure;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;

/**
 * Where a mask is wrong, by the tissue under each wrong voxel: per class, the false positives (predicted as the
 * class, another class in the reference) and false negatives (the class in the reference, predicted as another)
 * counted by tissue code of a tissue map on the same grid (the phantom generator writes one per case). It tells
 * what a model confuses the liver with (say the IVC or the body wall) where Dice alone says only how much.
 */
public final class TissueErrors {
    private final long[][] falsePositives;
    private final long[][] falseNegatives;

    private TissueErrors(int classes, int tissues) {
        falsePositives = new long[classes][tissues];
        falseNegatives = new long[classes][tissues];
    }

    /** No errors yet (the start of a sum over cases). */
    public static TissueErrors empty(int classes, int tissues) {
        return new TissueErrors(classes, tissues);
    }

    /**
     * Counts one case. Label values at or above {@code classes} and tissue codes at or above {@code tissues} are
     * an error naming the voxel.
     *
     * @throws GridMismatchException when the three grids are not one
     */
    public static TissueErrors of(Volume prediction, Volume reference, Volume tissueMap, int classes, int tissues) {
        Grids.requireSameGrid(prediction, reference, "prediction vs reference");
        Grids.requireSameGrid(reference, tissueMap, "reference vs tissue map");
        TissueErrors e = new TissueErrors(classes, tissues);
        Voxels p = prediction.voxels();
        Voxels r = reference.voxels();
        Voxels t = tissueMap.voxels();
        for (int i = 0; i < p.size(); i++) {
            long pv = p.getLong(i);
            long rv = r.getLong(i);
            if (pv == rv) {
                continue;
            }
            int tv = checked(t.getLong(i), tissues, "tissue code", i);
            e.falsePositives[checked(pv, classes, "prediction label", i)][tv]++;
            e.falseNegatives[checked(rv, classes, "reference label", i)][tv]++;
        }
        return e;
    }

    public int classes() {
        return falsePositives.length;
    }

    public int tissues() {
        return falsePositives[0].length;
    }

    /** Voxels predicted as {@code cls} whose reference is another class, lying in {@code tissue}. */
    public long falsePositives(int cls, int tissue) {
        return falsePositives[cls][tissue];
    }

    /** Voxels of {@code cls} in the reference predicted as another class, lying in {@code tissue}. */
    public long falseNegatives(int cls, int tissue) {
        return falseNegatives[cls][tissue];
    }

    /** The sum of two cases' errors. */
    public TissueErrors plus(TissueErrors other) {
        if (other.classes() != classes() || other.tissues() != tissues()) {
            throw new IllegalArgumentException("shapes differ: " + classes() + "×" + tissues() + " vs "
                    + other.classes() + "×" + other.tissues());
        }
        TissueErrors s = new TissueErrors(classes(), tissues());
        for (int c = 0; c < classes(); c++) {
            for (int t = 0; t < tissues(); t++) {
                s.falsePositives[c][t] = falsePositives[c][t] + other.falsePositives[c][t];
                s.falseNegatives[c][t] = falseNegatives[c][t] + other.falseNegatives[c][t];
            }
        }
        return s;
    }

    private static int checked(long v, int bound, String which, int index) {
        if (v < 0 || v >= bound) {
            throw new IllegalArgumentException(which + " " + v + " at voxel " + index + " is not in [0, " + bound + ")");
        }
        return (int) v;
    }
}
