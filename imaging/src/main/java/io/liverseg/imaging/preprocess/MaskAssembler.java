package io.liverseg.imaging.preprocess;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import io.liverseg.imaging.geometry.Reorientation;
import java.util.BitSet;

/**
 * Collects per-slice label predictions made at the network's target size and assembles them into a uint8
 * mask on the input's own grid: nearest-neighbour back to the canonical in-plane size, then the exact
 * inverse of the reorientation, so the mask has the input's dims and affine.
 */
public final class MaskAssembler {
    private final Reorientation reorientation;
    private final int targetSize;
    private final int nx;
    private final int ny;
    private final int nz;
    private final byte[] canonical;
    private final BitSet filled;

    public MaskAssembler(Reorientation reorientation, int targetSize) {
        this.reorientation = reorientation;
        this.targetSize = targetSize;
        int[] dims = reorientation.canonicalDims();
        this.nx = dims[0];
        this.ny = dims[1];
        this.nz = dims[2];
        this.canonical = new byte[Math.multiplyExact(Math.multiplyExact(nx, ny), nz)];
        this.filled = new BitSet(nz);
    }

    /** Stores the predicted labels of canonical slices {@code [first, first + count)}, each targetSize² row-major. */
    public void put(int first, int count, byte[] labels) {
        int plane = targetSize * targetSize;
        if (labels.length != count * plane) {
            throw new IllegalArgumentException("expected " + count + " slices of " + targetSize + "², got "
                    + labels.length + " labels");
        }
        if (first < 0 || first + count > nz) {
            throw new IllegalArgumentException("slices [" + first + ", " + (first + count) + ") outside [0, " + nz + ")");
        }
        for (int n = 0; n < count; n++) {
            Resampling.nearestInto(labels, n * plane, targetSize, targetSize, canonical, (first + n) * nx * ny, nx, ny);
            filled.set(first + n);
        }
    }

    public boolean isComplete() {
        return filled.cardinality() == nz;
    }

    /** Number of canonical slices still missing. */
    public int missingSlices() {
        return nz - filled.cardinality();
    }

    /** The mask on the input's grid, dims and affine. */
    public Volume toSourceGrid() {
        if (!isComplete()) {
            throw new IllegalStateException(missingSlices() + " of " + nz + " slices have no prediction yet");
        }
        Volume canon = new Volume(new int[] {nx, ny, nz}, Voxels.ofUnsignedBytes(canonical),
                reorientation.canonicalAffine(), 1, 0);
        return reorientation.invert(canon);
    }
}
