package io.liverseg.imaging.nifti;

/**
 * What a {@link NiftiReader} may allocate and decode for one file, checked against the header before any
 * voxel memory is allocated, so a hostile or corrupt header (or a gzip bomb) fails with a
 * {@link NiftiException} instead of exhausting memory.
 *
 * @param maxVoxels        most voxels one image may have (also never more than a Java array holds)
 * @param maxInflatedBytes most bytes one read may decode from a file: header, extensions, padding up to
 *                         {@code vox_offset} and voxel data, after gzip inflation
 */
public record ReadLimits(long maxVoxels, long maxInflatedBytes) {
    /** The largest Java array the JVM reliably allocates. */
    public static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    public ReadLimits {
        if (maxVoxels < 1 || maxInflatedBytes < 1) {
            throw new IllegalArgumentException("limits must be positive: " + maxVoxels + ", " + maxInflatedBytes);
        }
        maxVoxels = Math.min(maxVoxels, MAX_ARRAY_LENGTH);
    }

    /** 2^30 voxels and 4 GiB: a 512×512×4096 int16 CT fits, a corrupt header does not exhaust the heap. */
    public static ReadLimits defaults() {
        return new ReadLimits(1L << 30, 4L << 30);
    }
}
