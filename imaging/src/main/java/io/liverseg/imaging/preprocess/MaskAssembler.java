package io.liverseg.imaging.preprocess;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import io.liverseg.imaging.geometry.Reorientation;
import java.util.BitSet;

/**
 * Collects per-slice label predictions made at the network's target size and assembles them into a uint8
 * mask on the input's own grid: nearest-neighbour back to the canonical in-plane size, written straight to the
 * source voxel order through the reorientation's index mapping (the exact inverse of the reorientation, without a
 * canonical copy of the mask and a second pass over it), so the mask has the input's dims and affine.
 */
public final class MaskAssembler {
    private final Reorientation reorientation;
    private final int targetSize;
    private final int nx;
    private final int ny;
    private final int nz;
    /** The mask in the source's voxel order. */
    private final byte[] source;
    private final BitSet filled;
    /** Nearest target-size column of each canonical column i, and row of each canonical row j. */
    private final int[] columns;
    private final int[] rows;

    public MaskAssembler(Reorientation reorientation, int targetSize) {
        this.reorientation = reorientation;
        this.targetSize = targetSize;
        int[] dims = reorientation.canonicalDims();
        this.nx = dims[0];
        this.ny = dims[1];
        this.nz = dims[2];
        this.source = new byte[Math.multiplyExact(Math.multiplyExact(nx, ny), nz)];
        this.filled = new BitSet(nz);
        this.columns = Resampling.nearestIndex(targetSize, nx);
        this.rows = Resampling.nearestIndex(targetSize, ny);
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
        int stepI = reorientation.sourceStep(0);
        for (int n = 0; n < count; n++) {
            int k = first + n;
            for (int j = 0; j < ny; j++) {
                int row = n * plane + rows[j] * targetSize;
                int s = reorientation.sourceIndex(0, j, k);
                if (stepI == 1) {
                    for (int i = 0; i < nx; i++) {
                        source[s + i] = labels[row + columns[i]];
                    }
                } else {
                    for (int i = 0; i < nx; i++, s += stepI) {
                        source[s] = labels[row + columns[i]];
                    }
                }
            }
            filled.set(k);
        }
    }

    public boolean isComplete() {
        return filled.cardinality() == nz;
    }

    /** Number of canonical slices still missing. */
    public int missingSlices() {
        return nz - filled.cardinality();
    }

    /**
     * The mask on the input's grid, dims and affine. Its voxels are this assembler's own array, not a copy (a
     * 512×512×300 mask is 79 MB): postprocessing may change them in place.
     */
    public Volume toSourceGrid() {
        if (!isComplete()) {
            throw new IllegalStateException(missingSlices() + " of " + nz + " slices have no prediction yet");
        }
        return new Volume(reorientation.sourceDims(), Voxels.ofUnsignedBytes(source), reorientation.sourceAffine(),
                1, 0);
    }
}
