package io.liverseg.imaging.postprocess;

/**
 * Anatomical clean-up of a liver-model mask (0 background, 1 liver, 2 tumour): one liver, and tumour only
 * inside it. The liver together with its tumours is one organ, so the largest 6-connected component of
 * {liver ∪ tumour} is kept and every other liver or tumour voxel becomes background — which removes
 * spleen-like false positives and tumour predicted outside the liver alike.
 */
public final class LiverPostprocessing {
    private LiverPostprocessing() {
    }

    /**
     * In place on a canonical or source-grid mask in NIfTI order.
     *
     * @return voxels of the organ kept
     */
    public static long apply(byte[] mask, int nx, int ny, int nz, int liverLabel, int tumourLabel) {
        boolean[] organ = new boolean[256];
        organ[liverLabel] = true;
        organ[tumourLabel] = true;
        return ConnectedComponents.keepLargest(mask, nx, ny, nz, organ);
    }
}
