package io.liverseg.imaging.measure;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import java.util.ArrayList;
import java.util.List;

/** Per-label measurements of a label map: voxel count, volume in mL and mean HU of the CT under it. */
public final class LabelStatistics {
    private LabelStatistics() {
    }

    /**
     * One label's measurements.
     *
     * @param label    the label value
     * @param voxels   voxels carrying it
     * @param volumeMl voxels × voxel volume (|det| of the affine's 3×3 part, mm³) / 1000
     * @param meanHu   mean scaled CT value under the label, NaN when no image was given or no voxel has it
     */
    public record LabelStat(int label, long voxels, double volumeMl, double meanHu) {
    }

    /**
     * Statistics for every label value present (0 included), in ascending order.
     *
     * @param image the CT on the same grid, or null for volumes only
     * @param label the label map (integer values 0..255)
     * @throws GridMismatchException when image and label grids differ
     */
    public static List<LabelStat> compute(Volume image, Volume label) {
        if (image != null) {
            Grids.requireSameGrid(image, label, "label vs image");
        }
        long[] count = new long[256];
        double[] sum = new double[256];
        Voxels lv = label.voxels();
        int n = lv.size();
        for (int p = 0; p < n; p++) {
            long v = lv.getLong(p);
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException("label value " + v + " at voxel " + p + " outside [0, 255]");
            }
            count[(int) v]++;
            if (image != null) {
                sum[(int) v] += image.value(p);
            }
        }
        double voxelMl = label.affine().voxelVolumeMm3() / 1000.0;
        List<LabelStat> stats = new ArrayList<>();
        for (int l = 0; l < 256; l++) {
            if (count[l] > 0) {
                stats.add(new LabelStat(l, count[l], count[l] * voxelMl, image == null ? Double.NaN : sum[l] / count[l]));
            }
        }
        return stats;
    }
}
