package io.liverseg.imaging.preprocess;

import io.liverseg.imaging.DataType;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;

/**
 * Turns a canonical (RAS+) CT volume into network input slice batches as a {@link PreprocessingSpec} says:
 * HU window, normalisation, bilinear in-plane resampling to the target size, 1 or 3 channels.
 *
 * <p>Each axial slice is windowed once at native resolution and kept while neighbouring batches may still
 * need it (3-channel input reads k−1 and k+1), so memory stays at a few slices beyond the volume itself.
 */
public final class SlicePreprocessor {
    private final Volume volume;
    private final PreprocessingSpec spec;
    private final int nx;
    private final int ny;
    private final int nz;
    // A tiny cache: the last few windowed native slices, for 3-channel neighbours.
    private final int[] cachedIndex = {-1, -1, -1, -1};
    private final float[][] cachedSlice = new float[4][];
    private int cacheNext;

    /**
     * @param canonical a 3D volume in RAS+ voxel order (see {@code Reorientation})
     * @param spec      how to preprocess
     */
    public SlicePreprocessor(Volume canonical, PreprocessingSpec spec) {
        if (!canonical.isThreeD()) {
            throw new IllegalArgumentException("slice preprocessing needs a 3D volume, got " + canonical);
        }
        this.volume = canonical;
        this.spec = spec;
        this.nx = canonical.nx();
        this.ny = canonical.ny();
        this.nz = canonical.nz();
    }

    public int sliceCount() {
        return nz;
    }

    public PreprocessingSpec spec() {
        return spec;
    }

    /** Canonical slices {@code [first, first + count)} as one NCHW batch at the target size. */
    public SliceBatch batch(int first, int count) {
        if (first < 0 || count < 1 || first + count > nz) {
            throw new IllegalArgumentException("slices [" + first + ", " + (first + count) + ") outside [0, " + nz + ")");
        }
        int size = spec.targetSize();
        int channels = spec.channels();
        float[] data = new float[count * channels * size * size];
        for (int n = 0; n < count; n++) {
            int k = first + n;
            for (int c = 0; c < channels; c++) {
                int source = channels == 1 ? k : Math.max(0, Math.min(nz - 1, k + c - 1));
                Resampling.bilinearInto(windowed(source), nx, ny, data, ((n * channels) + c) * size * size, size, size);
            }
        }
        return new SliceBatch(first, count, channels, size, size, data);
    }

    /** Canonical slice k windowed and normalised at native resolution, row-major ny × nx (row = j). */
    public float[] windowed(int k) {
        for (int c = 0; c < cachedIndex.length; c++) {
            if (cachedIndex[c] == k) {
                return cachedSlice[c];
            }
        }
        float[] out = computeWindowed(k);
        cachedIndex[cacheNext] = k;
        cachedSlice[cacheNext] = out;
        cacheNext = (cacheNext + 1) % cachedIndex.length;
        return out;
    }

    private float[] computeWindowed(int k) {
        int plane = nx * ny;
        int base = k * plane;
        float[] out = new float[plane];
        HuWindow window = spec.window();
        Normalization norm = spec.normalization();
        double slope = volume.slope();
        double inter = volume.inter();
        Voxels voxels = volume.voxels();
        if (voxels.type() == DataType.INT16) {
            short[] raw = voxels.shortArray();
            for (int p = 0; p < plane; p++) {
                out[p] = norm.apply(window.clip(raw[base + p] * slope + inter), window);
            }
        } else {
            for (int p = 0; p < plane; p++) {
                out[p] = norm.apply(window.clip(voxels.get(base + p) * slope + inter), window);
            }
        }
        return out;
    }

    /**
     * Canonical label slice k resampled (nearest) to {@code size × size}, row-major, values as stored.
     * Labels must lie in [0, 255].
     */
    public static byte[] labelSlice(Volume canonicalLabel, int k, int size) {
        int nx = canonicalLabel.nx();
        int ny = canonicalLabel.ny();
        byte[] plane = new byte[nx * ny];
        Voxels v = canonicalLabel.voxels();
        int base = k * nx * ny;
        for (int p = 0; p < plane.length; p++) {
            long label = v.getLong(base + p);
            if (label < 0 || label > 255) {
                throw new IllegalArgumentException("label value " + label + " outside [0, 255] at slice " + k);
            }
            plane[p] = (byte) label;
        }
        return Resampling.nearest(plane, nx, ny, size, size);
    }
}
