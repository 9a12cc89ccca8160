package io.liverseg.imaging.dataset;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.geometry.Reorientation;
import io.liverseg.imaging.measure.Grids;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.preprocess.CtIntensityCheck;
import io.liverseg.imaging.preprocess.PreprocessingSpec;
import io.liverseg.imaging.preprocess.SlicePreprocessor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Training slices in memory: every axial slice of the given cases, preprocessed as inference will
 * (canonical RAS+, window, normalisation, resampling to the target size; stored to within
 * {@link #quantisationError()}) with its label slice (nearest neighbour). {@link #copyImage} gives a slice's
 * input as NCHW float32, labels are N×H×W bytes.
 *
 * <p>Each preprocessed plane is stored once, per case: a 3-channel input is assembled from the neighbouring
 * planes when it is copied (clamped at the case's first and last slice, as {@link SlicePreprocessor} does), so
 * adjacent-slice models need no more memory than single-slice ones, and no array holds more than one case.
 *
 * <p>Planes are kept as 16-bit codes of the normalised value, not as floats: every input lies between the
 * normalisation of the window's bounds, and 65 536 steps over that range differ from the float by at most
 * {@link #quantisationError()} (for the [−100, 200] HU window, 0.0023 HU — far below any CT's noise). That is
 * 3 bytes a voxel with the label instead of 5, what lets a few hundred cases fit in one training heap.
 */
public final class SliceSet {
    private static final int CODES = 65_535;  // the largest 16-bit code: the window's upper bound
    private final PreprocessingSpec spec;
    private final int classes;
    private final char[][] planes;    // per case: nz × H × W, one channel, 16-bit codes of [lowest, highest]
    private final byte[][] labels;    // per case: nz × H × W
    private final int[] caseOf;       // per slice
    private final int[] indexInCase;  // per slice
    private final List<String> caseNames;
    private final long[][] classPixels; // per slice, pixels of each class
    private final float lowest;
    private final float step;

    private SliceSet(PreprocessingSpec spec, int classes, char[][] planes, byte[][] labels, int[] caseOf,
                     int[] indexInCase, List<String> caseNames, long[][] classPixels) {
        this.spec = spec;
        this.classes = classes;
        this.planes = planes;
        this.labels = labels;
        this.caseOf = caseOf;
        this.indexInCase = indexInCase;
        this.caseNames = caseNames;
        this.classPixels = classPixels;
        this.lowest = lowest(spec);
        this.step = step(spec);
    }

    /** The normalised value of the window's lower bound: the smallest input a plane can hold. */
    private static float lowest(PreprocessingSpec spec) {
        return spec.normalization().apply(spec.window().lower(), spec.window());
    }

    private static float step(PreprocessingSpec spec) {
        float highest = spec.normalization().apply(spec.window().upper(), spec.window());
        return (highest - lowest(spec)) / CODES;
    }

    /** The largest difference between a stored input value and the preprocessor's float (half a code step). */
    public float quantisationError() {
        return step / 2;
    }

    private static char[] encode(float[] values, float lowest, float step) {
        char[] codes = new char[values.length];
        for (int i = 0; i < values.length; i++) {
            long q = Math.round((values[i] - lowest) / step);
            codes[i] = (char) Math.max(0, Math.min(CODES, q));
        }
        return codes;
    }

    /**
     * Reads and preprocesses all slices of the cases.
     *
     * @throws io.liverseg.imaging.nifti.NiftiException when an image is not CT in Hounsfield units
     *         ({@link CtIntensityCheck}), naming it
     * @throws io.liverseg.imaging.measure.GridMismatchException when a label is not on its image's grid
     * @throws IllegalArgumentException when a label value is not a class in [0, classes)
     */
    public static SliceSet load(List<LabelledCase> cases, PreprocessingSpec spec, int classes, NiftiReader reader)
            throws IOException {
        int size = spec.targetSize();
        int plane = size * size;
        PreprocessingSpec oneChannel = new PreprocessingSpec(spec.window(), spec.normalization(), size, 1);
        char[][] planes = new char[cases.size()][];
        float lowest = lowest(spec);
        float step = step(spec);
        byte[][] labels = new byte[cases.size()][];
        List<Integer> caseOf = new ArrayList<>();
        List<Integer> indexInCase = new ArrayList<>();
        List<long[]> classPixels = new ArrayList<>();
        for (int c = 0; c < cases.size(); c++) {
            LabelledCase lc = cases.get(c);
            Volume image = reader.readScan(lc.image());
            // a case that is not CT in HU (an MRI, CT that lost its rescale intercept) would teach the model noise
            CtIntensityCheck.require(image, image.voxels().size(), lc.image());
            Volume label = reader.readScan(lc.label());
            Grids.requireSameGrid(image, label, lc.name() + " label vs image");
            Reorientation r = Reorientation.toCanonical(image);
            Volume canonicalLabel = r.apply(label);
            SlicePreprocessor pre = new SlicePreprocessor(image, r, oneChannel);
            int nz = pre.sliceCount();
            planes[c] = encode(pre.batch(0, nz).data(), lowest, step);
            byte[] lab = new byte[Math.multiplyExact(nz, plane)];
            for (int k = 0; k < nz; k++) {
                byte[] slice = SlicePreprocessor.labelSlice(canonicalLabel, k, size);
                System.arraycopy(slice, 0, lab, k * plane, plane);
                long[] counts = new long[classes];
                for (byte b : slice) {
                    int v = b & 0xFF;
                    if (v >= classes) {
                        throw new IllegalArgumentException(lc.label() + ": label value " + v
                                + " is not a class in [0, " + classes + ")");
                    }
                    counts[v]++;
                }
                caseOf.add(c);
                indexInCase.add(k);
                classPixels.add(counts);
            }
            labels[c] = lab;
        }
        return new SliceSet(spec, classes, planes, labels,
                caseOf.stream().mapToInt(Integer::intValue).toArray(),
                indexInCase.stream().mapToInt(Integer::intValue).toArray(),
                cases.stream().map(LabelledCase::name).toList(), classPixels.toArray(long[][]::new));
    }

    public int size() {
        return caseOf.length;
    }

    public PreprocessingSpec spec() {
        return spec;
    }

    public int classes() {
        return classes;
    }

    /** The case a slice came from. */
    public String caseName(int slice) {
        return caseNames.get(caseOf[slice]);
    }

    /** Pixels of a class in a slice (at the target size). */
    public long classPixels(int slice, int cls) {
        return classPixels[slice][cls];
    }

    /**
     * Copies slice {@code slice}'s input (channels × H × W) into {@code dst} at {@code offset}: its plane, or
     * for 3 channels the planes below, at and above it in its case.
     */
    public void copyImage(int slice, float[] dst, int offset) {
        int plane = spec.targetSize() * spec.targetSize();
        char[] data = planes[caseOf[slice]];
        int nz = data.length / plane;
        int k = indexInCase[slice];
        int channels = spec.channels();
        for (int ch = 0; ch < channels; ch++) {
            int from = SlicePreprocessor.sourceSlice(k, ch, channels, nz) * plane;
            int to = offset + ch * plane;
            for (int p = 0; p < plane; p++) {
                dst[to + p] = lowest + data[from + p] * step;
            }
        }
    }

    /** Copies slice {@code slice}'s labels (H × W) into {@code dst} at {@code offset}. */
    public void copyLabels(int slice, byte[] dst, int offset) {
        int plane = spec.targetSize() * spec.targetSize();
        System.arraycopy(labels[caseOf[slice]], indexInCase[slice] * plane, dst, offset, plane);
    }

    /** Bytes the stored planes and labels take (2 + 1 per voxel), what sizing a training heap starts from. */
    public long storedBytes() {
        long voxels = 0;
        for (char[] p : planes) {
            voxels += p.length;
        }
        return 3 * voxels;
    }

    /** Slices in which any pixel has the class. */
    public int[] slicesWith(int cls) {
        return java.util.stream.IntStream.range(0, size()).filter(s -> classPixels[s][cls] > 0).toArray();
    }

    @Override
    public String toString() {
        return "SliceSet[" + size() + " slices of " + caseNames.size() + " cases, " + spec + ", classes "
                + classes + ", per-class pixels " + Arrays.toString(totalPixels()) + "]";
    }

    /** Pixels of each class over all slices. */
    public long[] totalPixels() {
        long[] t = new long[classes];
        for (long[] s : classPixels) {
            for (int c = 0; c < classes; c++) {
                t[c] += s[c];
            }
        }
        return t;
    }
}
