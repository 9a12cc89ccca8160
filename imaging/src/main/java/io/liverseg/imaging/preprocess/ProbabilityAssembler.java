package io.liverseg.imaging.preprocess;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import io.liverseg.imaging.geometry.Reorientation;
import java.util.Arrays;
import java.util.BitSet;

/**
 * Collects per-slice class probabilities predicted at the network's target size (bytes, p × 255) and
 * assembles them into a 4D volume on the input's own grid: (input dims, classes), uint8 with scale 1/255,
 * the input's affine. It maps pixels exactly as {@link MaskAssembler} does (nearest neighbour back to the
 * canonical in-plane size, then the inverse reorientation), so the argmax of the probabilities at a voxel
 * is the label the unprocessed mask has there.
 */
public final class ProbabilityAssembler {
    /** Scale of the stored bytes: a stored 255 reads as probability 1. */
    public static final double SCALE = 1.0 / 255.0;

    private final Reorientation reorientation;
    private final int targetSize;
    private final int classes;
    private final int nx;
    private final int ny;
    private final int nz;
    /** One canonical volume per class. */
    private final byte[][] canonical;
    private final BitSet filled;

    public ProbabilityAssembler(Reorientation reorientation, int targetSize, int classes) {
        if (classes < 1) {
            throw new IllegalArgumentException("classes must be >= 1: " + classes);
        }
        this.reorientation = reorientation;
        this.targetSize = targetSize;
        this.classes = classes;
        int[] dims = reorientation.canonicalDims();
        this.nx = dims[0];
        this.ny = dims[1];
        this.nz = dims[2];
        int size = Math.multiplyExact(Math.multiplyExact(nx, ny), nz);
        this.canonical = new byte[classes][size];
        this.filled = new BitSet(nz);
    }

    /**
     * Stores the probabilities of canonical slices {@code [first, first + count)}, laid out
     * (slice, class, targetSize, targetSize) row-major, each byte round(p × 255).
     */
    public void put(int first, int count, byte[] quantised) {
        int plane = targetSize * targetSize;
        if (quantised.length != (long) count * classes * plane) {
            throw new IllegalArgumentException("expected " + count + " slices of " + classes + " × " + targetSize
                    + "², got " + quantised.length + " values");
        }
        if (first < 0 || first + count > nz) {
            throw new IllegalArgumentException("slices [" + first + ", " + (first + count) + ") outside [0, " + nz + ")");
        }
        for (int n = 0; n < count; n++) {
            for (int c = 0; c < classes; c++) {
                Resampling.nearestInto(quantised, (n * classes + c) * plane, targetSize, targetSize, canonical[c],
                        (first + n) * nx * ny, nx, ny);
            }
            filled.set(first + n);
        }
    }

    public boolean isComplete() {
        return filled.cardinality() == nz;
    }

    /** The probabilities on the input's grid: dims (input dims, classes), uint8, scale 1/255, the input's affine. */
    public Volume toSourceGrid() {
        if (!isComplete()) {
            throw new IllegalStateException((nz - filled.cardinality()) + " of " + nz
                    + " slices have no probabilities yet");
        }
        int size = nx * ny * nz;
        byte[] out = new byte[Math.multiplyExact(size, classes)];
        Volume first = null;
        for (int c = 0; c < classes; c++) {
            Volume canon = new Volume(new int[] {nx, ny, nz}, Voxels.ofUnsignedBytes(canonical[c]),
                    reorientation.canonicalAffine(), 1, 0);
            Volume source = reorientation.invert(canon);
            System.arraycopy(source.voxels().byteArray(), 0, out, c * size, size);
            first = first == null ? source : first;
        }
        int[] dims = Arrays.copyOf(first.dims(), 4);
        dims[3] = classes;
        return new Volume(dims, Voxels.ofUnsignedBytes(out), first.affine(), SCALE, 0);
    }
}
