package io.liverseg.imaging.measure;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.Volume;
import java.util.Arrays;

/** Checks that two volumes share a voxel grid. */
public final class Grids {
    /** Affine entries may differ by this much (mm) and still be the same grid: float32 header rounding. */
    public static final double AFFINE_TOLERANCE_MM = 1e-3;

    private Grids() {
    }

    /**
     * Throws {@link GridMismatchException} unless both volumes have the same 3D dims and affines equal within
     * {@link #AFFINE_TOLERANCE_MM}.
     *
     * @param what names the pair in the message, e.g. "label vs image"
     */
    public static void requireSameGrid(Volume a, Volume b, String what) {
        int[] da = Arrays.copyOf(a.dims(), 3);
        int[] db = Arrays.copyOf(b.dims(), 3);
        if (!Arrays.equals(da, db) || a.nt() != 1 || b.nt() != 1) {
            throw new GridMismatchException("dim", what + ": dims " + Arrays.toString(a.dims()) + " vs "
                    + Arrays.toString(b.dims()));
        }
        Affine fa = a.affine();
        Affine fb = b.affine();
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) {
                if (Math.abs(fa.get(r, c) - fb.get(r, c)) > AFFINE_TOLERANCE_MM) {
                    throw new GridMismatchException("affine", what + ": affines differ at [" + r + "][" + c + "]: "
                            + fa.get(r, c) + " vs " + fb.get(r, c));
                }
            }
        }
    }
}
