package io.liverseg.imaging;

import java.util.Arrays;
import java.util.Objects;

/**
 * A 3D (or 4D, as read) image: dims, raw voxels in NIfTI order (i fastest, then j, then k, then t), the
 * voxel-to-world affine, and the linear scaling {@code value = raw * slope + inter} (a stored slope of 0
 * means unscaled and is normalised to 1/0 here). Immutable apart from the voxel buffer it wraps.
 */
public final class Volume {
    private final int[] dims;
    private final Voxels voxels;
    private final Affine affine;
    private final double slope;
    private final double inter;

    public Volume(int[] dims, Voxels voxels, Affine affine, double slope, double inter) {
        Objects.requireNonNull(dims, "dims");
        Objects.requireNonNull(voxels, "voxels");
        Objects.requireNonNull(affine, "affine");
        if (dims.length < 3 || dims.length > 4) {
            throw new IllegalArgumentException("a volume has 3 or 4 dims, got " + Arrays.toString(dims));
        }
        long n = 1;
        for (int d : dims) {
            if (d < 1) {
                throw new IllegalArgumentException("dims must be positive: " + Arrays.toString(dims));
            }
            n *= d;
        }
        if (n != voxels.size()) {
            throw new IllegalArgumentException("dims " + Arrays.toString(dims) + " need " + n
                    + " voxels, buffer has " + voxels.size());
        }
        boolean unscaled = slope == 0 || !Double.isFinite(slope) || !Double.isFinite(inter);
        this.dims = dims.clone();
        this.voxels = voxels;
        this.affine = affine;
        this.slope = unscaled ? 1 : slope;
        this.inter = unscaled ? 0 : inter;
    }

    /** An unscaled 3D volume. */
    public Volume(int nx, int ny, int nz, Voxels voxels, Affine affine) {
        this(new int[] {nx, ny, nz}, voxels, affine, 1, 0);
    }

    public int nx() {
        return dims[0];
    }

    public int ny() {
        return dims[1];
    }

    public int nz() {
        return dims[2];
    }

    /** Number of volumes along the 4th dimension (1 for a 3D image). */
    public int nt() {
        return dims.length == 4 ? dims[3] : 1;
    }

    public int[] dims() {
        return dims.clone();
    }

    public Voxels voxels() {
        return voxels;
    }

    public Affine affine() {
        return affine;
    }

    public double slope() {
        return slope;
    }

    public double inter() {
        return inter;
    }

    public boolean isScaled() {
        return slope != 1 || inter != 0;
    }

    /** Linear index of voxel (i, j, k) of the first volume. */
    public int index(int i, int j, int k) {
        return i + dims[0] * (j + dims[1] * k);
    }

    /** Scaled value at a linear index. */
    public double value(int index) {
        return voxels.get(index) * slope + inter;
    }

    /** Scaled value of voxel (i, j, k). */
    public double value(int i, int j, int k) {
        return value(index(i, j, k));
    }

    /** Voxel spacing in mm along i, j, k, from the affine. */
    public double[] spacing() {
        return affine.spacing();
    }

    /** Orientation axis codes of the voxel axes, e.g. "LPS". */
    public String orientation() {
        return affine.orientationCode();
    }

    /** True when this is a 3D image, or 4D with a single volume. */
    public boolean isThreeD() {
        return nt() == 1;
    }

    /** The same geometry with other voxels (for example a mask or a windowed copy). */
    public Volume withVoxels(Voxels newVoxels, double newSlope, double newInter) {
        return new Volume(dims, newVoxels, affine, newSlope, newInter);
    }

    /** Same voxels and scaling on another affine (for example after reorientation). */
    public Volume withGeometry(int[] newDims, Voxels newVoxels, Affine newAffine) {
        return new Volume(newDims, newVoxels, newAffine, slope, inter);
    }

    @Override
    public String toString() {
        return "Volume" + Arrays.toString(dims) + " " + voxels.type() + " " + orientation();
    }
}
