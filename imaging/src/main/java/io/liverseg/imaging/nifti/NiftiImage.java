package io.liverseg.imaging.nifti;

import io.liverseg.imaging.Volume;
import java.util.Objects;

/**
 * A NIfTI file as read: its header, its voxels as a {@link Volume}, and the CRC-32
 * ({@link java.util.zip.CRC32}) of the raw voxel bytes exactly as stored on disk (no byte swap, no
 * scaling). Writers ignore {@code voxelCrc32}; pass 0.
 */
public record NiftiImage(NiftiHeader header, Volume volume, long voxelCrc32) {
    public NiftiImage {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(volume, "volume");
    }
}
