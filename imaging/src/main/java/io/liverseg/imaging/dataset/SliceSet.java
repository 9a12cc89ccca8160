package io.liverseg.imaging.dataset;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.geometry.Reorientation;
import io.liverseg.imaging.measure.Grids;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.preprocess.PreprocessingSpec;
import io.liverseg.imaging.preprocess.SliceBatch;
import io.liverseg.imaging.preprocess.SlicePreprocessor;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * Training slices in memory: every axial slice of the given cases, preprocessed exactly as inference will
 * (canonical RAS+, window, normalisation, resampling to the target size) with its label slice (nearest
 * neighbour). Images are NCHW float32, labels N×H×W bytes.
 */
public final class SliceSet {
    private final PreprocessingSpec spec;
    private final int classes;
    private final float[] images;
    private final byte[] labels;
    private final int[] caseOf;
    private final List<String> caseNames;
    private final long[][] classPixels; // per slice, pixels of each class

    private SliceSet(PreprocessingSpec spec, int classes, float[] images, byte[] labels, int[] caseOf,
                     List<String> caseNames, long[][] classPixels) {
        this.spec = spec;
        this.classes = classes;
        this.images = images;
        this.labels = labels;
        this.caseOf = caseOf;
        this.caseNames = caseNames;
        this.classPixels = classPixels;
    }

    /**
     * Reads and preprocesses all slices of the cases.
     *
     * @throws io.liverseg.imaging.measure.GridMismatchException when a label is not on its image's grid
     * @throws IllegalArgumentException when a label value is not a class in [0, classes)
     */
    public static SliceSet load(List<LabelledCase> cases, PreprocessingSpec spec, int classes, NiftiReader reader)
            throws IOException {
        int size = spec.targetSize();
        int plane = size * size;
        int sliceFloats = spec.channels() * plane;
        float[][] imageParts = new float[cases.size()][];
        byte[][] labelParts = new byte[cases.size()][];
        int total = 0;
        for (int c = 0; c < cases.size(); c++) {
            LabelledCase lc = cases.get(c);
            Volume image = reader.readScan(lc.image());
            Volume label = reader.readScan(lc.label());
            Grids.requireSameGrid(image, label, lc.name() + " label vs image");
            Reorientation r = Reorientation.toCanonical(image);
            Volume canonicalLabel = r.apply(label);
            SlicePreprocessor pre = new SlicePreprocessor(image, r, spec);
            int nz = pre.sliceCount();
            SliceBatch all = pre.batch(0, nz);
            imageParts[c] = all.data();
            byte[] lab = new byte[nz * plane];
            for (int k = 0; k < nz; k++) {
                System.arraycopy(SlicePreprocessor.labelSlice(canonicalLabel, k, size), 0, lab, k * plane, plane);
            }
            labelParts[c] = lab;
            total += nz;
        }
        float[] images = new float[Math.multiplyExact(total, sliceFloats)];
        byte[] labels = new byte[Math.multiplyExact(total, plane)];
        int[] caseOf = new int[total];
        long[][] classPixels = new long[total][classes];
        int at = 0;
        for (int c = 0; c < cases.size(); c++) {
            int nz = labelParts[c].length / plane;
            System.arraycopy(imageParts[c], 0, images, at * sliceFloats, nz * sliceFloats);
            System.arraycopy(labelParts[c], 0, labels, at * plane, nz * plane);
            for (int k = 0; k < nz; k++) {
                caseOf[at + k] = c;
                for (int p = 0; p < plane; p++) {
                    int v = labelParts[c][k * plane + p] & 0xFF;
                    if (v >= classes) {
                        throw new IllegalArgumentException(cases.get(c).label() + ": label value " + v
                                + " is not a class in [0, " + classes + ")");
                    }
                    classPixels[at + k][v]++;
                }
            }
            imageParts[c] = null;
            labelParts[c] = null;
            at += nz;
        }
        return new SliceSet(spec, classes, images, labels, caseOf,
                cases.stream().map(LabelledCase::name).toList(), classPixels);
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

    /** Copies slice {@code slice}'s input (channels × H × W) into {@code dst} at {@code offset}. */
    public void copyImage(int slice, float[] dst, int offset) {
        int n = spec.channels() * spec.targetSize() * spec.targetSize();
        System.arraycopy(images, slice * n, dst, offset, n);
    }

    /** Copies slice {@code slice}'s labels (H × W) into {@code dst} at {@code offset}. */
    public void copyLabels(int slice, byte[] dst, int offset) {
        int n = spec.targetSize() * spec.targetSize();
        System.arraycopy(labels, slice * n, dst, offset, n);
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
