package io.liverseg.imaging.nifti;

import io.liverseg.imaging.Volume;

/**
 * Follows a read as voxels arrive, so slices can be processed while the rest of a file still inflates.
 * Both methods run on the reading thread; voxels below the reported count are final.
 */
public interface VoxelListener {
    /** The header is validated and voxel memory allocated; {@code volume}'s voxels are not yet filled. */
    void started(NiftiHeader header, Volume volume);

    /** Voxels {@code [0, voxelsRead)} (linear NIfTI order) are in place. */
    void progress(long voxelsRead);
}
