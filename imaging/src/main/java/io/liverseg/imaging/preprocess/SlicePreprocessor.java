package io.liverseg.imaging.preprocess;

import io.liverseg.imaging.DataType;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import io.liverseg.imaging.geometry.Reorientation;

/**
 * Turns a CT volume into network input slice batches of its canonical (RAS+) axial slices, as a
 * {@link PreprocessingSpec} says: HU window, normalisation, bilinear in-plane resampling to the target size,
 * 1 or 3 channels. Canonical slices are read straight from the source voxels through the
 * {@link Reorientation}'s index mapping, so no reoriented copy of the volume is ever made.
 *
 * <p>Each axial slice is windowed once at native resolution and kept while neighbouring batches may still
 * need it (3-channel input reads k−1 and k+1), so memory stays at a few slices beyond the volume itself.
 */
public final class SlicePreprocessor {
    private final Volume volume;
    private final Reorientation reorientation;
    private final PreprocessingSpec spec;
    private final int nx;
    private final int ny;
    private final int nz;
    // A tiny cache: the last few windowed native slices, for 3-channel neighbours.
    private final int[] cachedIndex = {-1, -1, -1, -1};
    private final float[][] cachedSlice = new float[4][];
    private int cacheNext;
    /** For int16 voxels: the input of every stored value, built at the first slice. */
    private float[] int16Table;

    /**
     * @param source a 3D CT in any axis order
     * @param spec   how to preprocess
     */
    public SlicePreprocessor(Volume source, PreprocessingSpec spec) {
        this(source, Reorientation.toCanonical(source), spec);
    }

    /**
     * @param source        a 3D CT
     * @param reorientation its reorientation to RAS+ (from {@link Reorientation#toCanonical(Volume)})
     * @param spec          how to preprocess
     */
    public SlicePreprocessor(Volume source, Reorientation reorientation, PreprocessingSpec spec) {
        if (!source.isThreeD()) {
            throw new IllegalArgumentException("slice preprocessing needs a 3D volume, got " + source);
        }
        this.volume = source;
        this.reorientation = reorientation;
        this.spec = spec;
        int[] canon = reorientation.canonicalDims();
        this.nx = canon[0];
        this.ny = canon[1];
        this.nz = canon[2];
        if ((long) nx * ny * nz != source.voxels().size()) {
            throw new IllegalArgumentException("reorientation grid " + java.util.Arrays.toString(canon)
                    + " does not fit " + source);
        }
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
        int plane = size * size;
        float[] data = new float[count * channels * plane];
        if (channels == 1) {
            for (int n = 0; n < count; n++) {
                Resampling.bilinearInto(windowed(first + n), nx, ny, data, n * plane, size, size);
            }
        } else {
            // each plane appears in up to three inputs: resample it once
            int lo = Math.max(0, first - 1);
            int hi = Math.min(nz - 1, first + count);
            float[] planes = new float[(hi - lo + 1) * plane];
            for (int k = lo; k <= hi; k++) {
                Resampling.bilinearInto(windowed(k), nx, ny, planes, (k - lo) * plane, size, size);
            }
            for (int n = 0; n < count; n++) {
                int k = first + n;
                for (int c = 0; c < channels; c++) {
                    int source = sourceSlice(k, c, channels, nz);
                    System.arraycopy(planes, (source - lo) * plane, data, (n * channels + c) * plane, plane);
                }
            }
        }
        return new SliceBatch(first, count, channels, size, size, data);
    }

    /**
     * The canonical slice that channel {@code channel} of slice k's input shows: k itself for 1 channel; for 3
     * the slice below, k, and the slice above, clamped to the volume's {@code nz} slices (an edge slice repeats).
     */
    public static int sourceSlice(int k, int channel, int channels, int nz) {
        return channels == 1 ? k : Math.max(0, Math.min(nz - 1, k + channel - 1));
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
        float[] out = new float[plane];
        int stepI = reorientation.sourceStep(0);
        HuWindow window = spec.window();
        Normalization norm = spec.normalization();
        double slope = volume.slope();
        double inter = volume.inter();
        Voxels voxels = volume.voxels();
        short[] raw = voxels.type() == DataType.INT16 ? voxels.shortArray() : null;
        float[] table = raw != null ? int16Table() : null;
        for (int j = 0; j < ny; j++) {
            int src = reorientation.sourceIndex(0, j, k);
            int o = j * nx;
            if (raw != null) {
                for (int i = 0; i < nx; i++, src += stepI) {
                    out[o + i] = table[raw[src] - Short.MIN_VALUE];
                }
            } else {
                for (int i = 0; i < nx; i++, src += stepI) {
                    out[o + i] = norm.apply(window.clip(voxels.get(src) * slope + inter), window);
                }
            }
        }
        return out;
    }

    /**
     * The network input of every int16 value (index = value − {@link Short#MIN_VALUE}), computed exactly as for a
     * single voxel: a 256 KiB table built once instead of a scale, clip and division per voxel — a 512×512×300
     * scan has 79 M of them, and preprocessing runs beside the forward passes.
     */
    private float[] int16Table() {
        if (int16Table == null) {
            HuWindow window = spec.window();
            Normalization norm = spec.normalization();
            double slope = volume.slope();
            double inter = volume.inter();
            float[] t = new float[1 << 16];
            for (int v = Short.MIN_VALUE; v <= Short.MAX_VALUE; v++) {
                t[v - Short.MIN_VALUE] = norm.apply(window.clip((short) v * slope + inter), window);
            }
            int16Table = t;
        }
        return int16Table;
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
