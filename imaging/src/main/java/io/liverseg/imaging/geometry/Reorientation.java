package io.liverseg.imaging.geometry;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import java.util.Arrays;

/**
 * Reorientation of a volume to canonical RAS+ voxel order (i → Right, j → Anterior, k → Superior) by axis
 * permutation and flips only, never interpolation, and its exact inverse.
 *
 * <p>The inverse restores the input's own affine object rather than recomputing it, so a mask computed
 * in canonical space is written back on the input's grid with a bit-identical affine (recomputing
 * offsets in floating point can drift in the last bits).
 */
public final class Reorientation {
    private final int[] sourceDims;
    private final Affine sourceAffine;
    /** For canonical axis a, the source voxel axis it reads. */
    private final int[] perm;
    /** For canonical axis a, whether the source axis runs backwards. */
    private final boolean[] flip;
    /** Source linear index of canonical voxel (0, 0, 0). */
    private final int sourceStart;
    /** Signed source index step per canonical axis. */
    private final int[] sourceStep;

    private Reorientation(int[] sourceDims, Affine sourceAffine, int[] perm, boolean[] flip) {
        this.sourceDims = sourceDims;
        this.sourceAffine = sourceAffine;
        this.perm = perm;
        this.flip = flip;
        int[] srcStride = strides(sourceDims);
        this.sourceStep = new int[3];
        int start = 0;
        for (int a = 0; a < 3; a++) {
            sourceStep[a] = flip[a] ? -srcStride[perm[a]] : srcStride[perm[a]];
            start += flip[a] ? (sourceDims[perm[a]] - 1) * srcStride[perm[a]] : 0;
        }
        this.sourceStart = start;
    }

    /** The reorientation that brings a volume with these dims and affine to RAS+. */
    public static Reorientation toCanonical(int[] dims, Affine affine) {
        int[] directions = affine.axisDirections();
        int[] perm = new int[3];
        boolean[] flip = new boolean[3];
        for (int src = 0; src < 3; src++) {
            int world = Math.abs(directions[src]) - 1;
            perm[world] = src;
            flip[world] = directions[src] < 0;
        }
        return new Reorientation(Arrays.copyOf(dims, 3), affine, perm, flip);
    }

    /** The reorientation of a volume to RAS+. */
    public static Reorientation toCanonical(Volume volume) {
        return toCanonical(volume.dims(), volume.affine());
    }

    /** True when the input is already RAS+ (apply returns the same voxels). */
    public boolean isIdentity() {
        return perm[0] == 0 && perm[1] == 1 && perm[2] == 2 && !flip[0] && !flip[1] && !flip[2];
    }

    /** Dims of the source volume. */
    public int[] sourceDims() {
        return sourceDims.clone();
    }

    /** Affine of the source volume (the very object given, so a result on the source grid carries it exactly). */
    public Affine sourceAffine() {
        return sourceAffine;
    }

    /** Dims of the canonical volume. */
    public int[] canonicalDims() {
        return new int[] {sourceDims[perm[0]], sourceDims[perm[1]], sourceDims[perm[2]]};
    }

    /** Affine of the canonical grid: the source affine composed with the permutation/flip. */
    public Affine canonicalAffine() {
        double[] t = new double[16];
        t[15] = 1;
        for (int a = 0; a < 3; a++) {
            int src = perm[a];
            t[src * 4 + a] = flip[a] ? -1 : 1;
            t[src * 4 + 3] = flip[a] ? sourceDims[src] - 1 : 0;
        }
        return sourceAffine.multiply(Affine.of(t));
    }

    /** The source orientation code, e.g. "LPS". */
    public String sourceOrientation() {
        return sourceAffine.orientationCode();
    }

    /** Linear index in the source volume of canonical voxel (i, j, k): reads without a reoriented copy. */
    public int sourceIndex(int i, int j, int k) {
        return sourceStart + i * sourceStep[0] + j * sourceStep[1] + k * sourceStep[2];
    }

    /** Signed source index step when canonical axis {@code axis} grows by one. */
    public int sourceStep(int axis) {
        return sourceStep[axis];
    }

    /**
     * How many leading source voxels (in file order) must be read before canonical slice k is complete: for
     * axially stored CT (k not permuted, not flipped) slice k is ready long before the file ends.
     */
    public long sourceVoxelsNeeded(int k) {
        int[] canon = canonicalDims();
        long max = (long) sourceStart + (long) k * sourceStep[2]
                + (long) Math.max(0, sourceStep[0]) * (canon[0] - 1)
                + (long) Math.max(0, sourceStep[1]) * (canon[1] - 1);
        return max + 1;
    }

    /** The volume in RAS+ voxel order; 3D volumes only. */
    public Volume apply(Volume source) {
        requireGrid(source.dims(), sourceDims, "apply");
        if (isIdentity()) {
            return source;
        }
        int[] out = canonicalDims();
        // Walk the canonical grid in memory order and read the source with signed strides.
        Voxels dst = copy(source.voxels(), out, sourceStart, sourceStep);
        return source.withGeometry(out, dst, canonicalAffine());
    }

    /**
     * A canonical-grid volume (for example a predicted mask, any voxel type) brought back to the source
     * grid: the source's dims and exactly the source's affine.
     */
    public Volume invert(Volume canonical) {
        int[] canon = canonicalDims();
        requireGrid(canonical.dims(), canon, "invert");
        if (isIdentity()) {
            return canonical.withGeometry(sourceDims.clone(), canonical.voxels(), sourceAffine);
        }
        int[] canonStride = strides(canon);
        int[] step = new int[3];
        int start = 0;
        for (int a = 0; a < 3; a++) {
            int src = perm[a];
            step[src] = flip[a] ? -canonStride[a] : canonStride[a];
            start += flip[a] ? (canon[a] - 1) * canonStride[a] : 0;
        }
        Voxels dst = copy(canonical.voxels(), sourceDims, start, step);
        return canonical.withGeometry(sourceDims.clone(), dst, sourceAffine);
    }

    private static Voxels copy(Voxels src, int[] outDims, int start, int[] step) {
        Voxels dst = Voxels.allocate(src.type(), src.size());
        int o = 0;
        for (int k = 0; k < outDims[2]; k++) {
            for (int j = 0; j < outDims[1]; j++) {
                dst.copyStrided(src, start + j * step[1] + k * step[2], step[0], o, outDims[0]);
                o += outDims[0];
            }
        }
        return dst;
    }

    private static int[] strides(int[] dims) {
        return new int[] {1, dims[0], dims[0] * dims[1]};
    }

    private static void requireGrid(int[] actual, int[] expected, String op) {
        if (actual.length != 3 && !(actual.length == 4 && actual[3] == 1)) {
            throw new IllegalArgumentException(op + ": reorientation needs a 3D volume, got dims "
                    + Arrays.toString(actual));
        }
        if (actual[0] != expected[0] || actual[1] != expected[1] || actual[2] != expected[2]) {
            throw new IllegalArgumentException(op + ": volume dims " + Arrays.toString(actual)
                    + " do not match the grid " + Arrays.toString(expected));
        }
    }

    @Override
    public String toString() {
        return "Reorientation[" + sourceOrientation() + " -> RAS, perm=" + Arrays.toString(perm)
                + ", flip=" + Arrays.toString(flip) + "]";
    }
}
