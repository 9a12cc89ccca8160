package io.liverseg.model.predict;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.geometry.Reorientation;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.postprocess.LiverPostprocessing;
import io.liverseg.imaging.preprocess.MaskAssembler;
import io.liverseg.imaging.preprocess.PreprocessingSpec;
import io.liverseg.imaging.preprocess.ProbabilityAssembler;
import io.liverseg.imaging.preprocess.SliceBatch;
import io.liverseg.imaging.preprocess.SlicePreprocessor;
import io.liverseg.imaging.preprocess.StreamingSlicer;
import io.liverseg.model.DeviceSetting;
import io.liverseg.model.pkg.ModelManifest;
import io.liverseg.model.pkg.ModelPackage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Segments whole CT volumes with a model package: the package's preprocessing, batched prediction with
 * bounded memory, mask assembly back on the input's exact grid and affine, and the package's
 * postprocessing. One instance holds one model; {@link #segment} calls are not concurrent.
 */
public final class Segmenter implements AutoCloseable {
    private final ModelPackage.LoadedModel loaded;
    private final SlicePredictor predictor;
    private final PreprocessingSpec spec;

    public Segmenter(ModelPackage.LoadedModel loaded) {
        this(loaded, SlicePredictor.DEFAULT_FORWARD_BATCH);
    }

    /** @param forwardBatch most slices in one forward pass ({@link SlicePredictor}) */
    public Segmenter(ModelPackage.LoadedModel loaded, int forwardBatch) {
        this.loaded = loaded;
        this.predictor = new SlicePredictor(loaded.model(), loaded.block(), forwardBatch);
        this.spec = loaded.manifest().preprocessing().toSpec();
    }

    /** Loads a package on the chosen device. */
    public static Segmenter open(Path packageDir, DeviceSetting device) throws IOException {
        return open(packageDir, device, SlicePredictor.DEFAULT_FORWARD_BATCH);
    }

    /** Loads a package on the chosen device, running at most {@code forwardBatch} slices per forward pass. */
    public static Segmenter open(Path packageDir, DeviceSetting device, int forwardBatch) throws IOException {
        if (forwardBatch < 1) {
            throw new IllegalArgumentException("forward batch must be at least 1, got " + forwardBatch);
        }
        return new Segmenter(ModelPackage.load(packageDir, device.resolve()), forwardBatch);
    }

    public ModelManifest manifest() {
        return loaded.manifest();
    }

    public SlicePredictor predictor() {
        return predictor;
    }

    /**
     * Options of one segmentation.
     *
     * @param tta           test-time augmentation ({@link TestTimeAugmentation#NONE} by default)
     * @param probabilities also assemble the class probabilities ({@link Segmentation#probabilities()})
     */
    public record Options(int batchSize, TestTimeAugmentation tta, boolean probabilities) {
        public Options {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
            }
            Objects.requireNonNull(tta, "tta");
        }

        /** Labels only, without augmentation. */
        public Options(int batchSize) {
            this(batchSize, TestTimeAugmentation.NONE, false);
        }

        /** Labels only. */
        public Options(int batchSize, TestTimeAugmentation tta) {
            this(batchSize, tta, false);
        }

        public static Options defaults() {
            return new Options(8);
        }
    }

    /**
     * A mask on the input's grid.
     *
     * @param mask     uint8 labels, the input's dims and affine
     * @param image    the CT as read
     * @param timingsMs wall time per stage
     * @param probabilities the class probabilities the mask was taken from, before postprocessing: 4D (the input's
     *                  dims, classes), uint8 with scale 1/255, the input's affine ({@link ProbabilityAssembler});
     *                  null unless {@link Options#probabilities()} asked for them
     */
    public record Segmentation(Volume mask, Volume image, Map<String, Long> timingsMs, Volume probabilities) {
    }

    /** Segments a CT already in memory. */
    public Segmentation segment(Volume ct, Options options) {
        long t0 = System.nanoTime();
        Reorientation r = Reorientation.toCanonical(ct);
        SlicePreprocessor pre = new SlicePreprocessor(ct, r, spec);
        Assemblers assembler = assemblers(r, options);
        long[] inferNanos = {0};
        for (int first = 0; first < pre.sliceCount(); first += options.batchSize()) {
            SliceBatch b = pre.batch(first, Math.min(options.batchSize(), pre.sliceCount() - first));
            predictInto(b, options, assembler, inferNanos);
        }
        return finish(ct, assembler, t0, 0, inferNanos[0]);
    }

    /** Reads and segments a NIfTI file, predicting batches while the file still inflates. */
    public Segmentation segment(Path file, NiftiReader reader, Options options) throws IOException {
        return segment(file, reader, options, BatchListener.NONE);
    }

    /**
     * Told about the batches of one {@link #segment(Path, NiftiReader, Options, BatchListener)} call, on the
     * reading thread; what the synchronous API needs for progress and to stop work it no longer wants.
     */
    public interface BatchListener {
        /** Does nothing. */
        BatchListener NONE = new BatchListener() {
        };

        /** Before every batch is predicted; an exception thrown here ends the call (cancellation, deadline). */
        default void beforeBatch() {
        }

        /**
         * Slices predicted so far of the canonical slice count (first called with 0 once the voxels of the first
         * batch are read and found to be CT in HU).
         */
        default void progress(int slicesDone, int totalSlices) {
        }
    }

    /**
     * Reads and segments a NIfTI file as {@link #segment(Path, NiftiReader, Options)} does, telling
     * {@code listener} about every batch. The mask does not depend on the listener.
     */
    public Segmentation segment(Path file, NiftiReader reader, Options options, BatchListener listener)
            throws IOException {
        long t0 = System.nanoTime();
        Assemblers[] assembler = {null};
        long[] inferNanos = {0};
        int[] total = {0};
        int[] done = {0};
        Volume ct = StreamingSlicer.readAndSlice(reader, file, spec, options.batchSize(), b -> {
            if (assembler[0] == null) {
                throw new IllegalStateException("first batch before the volume was known");
            }
            listener.beforeBatch();
            predictInto(b, options, assembler[0], inferNanos);
            done[0] += b.count();
            listener.progress(done[0], total[0]);
        }, volume -> {
            Reorientation r = Reorientation.toCanonical(volume);
            assembler[0] = assemblers(r, options);
            total[0] = r.canonicalDims()[2];
            listener.progress(0, total[0]);
        });
        return finish(ct, assembler[0], t0, System.nanoTime() - t0 - inferNanos[0], inferNanos[0]);
    }

    /** The mask's assembler and, when asked for, the probabilities'. */
    private record Assemblers(MaskAssembler mask, ProbabilityAssembler probabilities) {
    }

    private Assemblers assemblers(Reorientation r, Options options) {
        return new Assemblers(new MaskAssembler(r, spec.targetSize()), options.probabilities()
                ? new ProbabilityAssembler(r, spec.targetSize(), loaded.manifest().classNames().size()) : null);
    }

    private void predictInto(SliceBatch b, Options options, Assemblers assembler, long[] inferNanos) {
        long t = System.nanoTime();
        if (assembler.probabilities() == null) {
            byte[] labels = predictor.predict(b.data(), b.count(), b.channels(), b.height(), b.width(),
                    options.tta());
            inferNanos[0] += System.nanoTime() - t;
            assembler.mask().put(b.firstSlice(), b.count(), labels);
        } else {
            SlicePredictor.Probabilities p = predictor.predictProbabilities(b.data(), b.count(), b.channels(),
                    b.height(), b.width(), options.tta());
            inferNanos[0] += System.nanoTime() - t;
            assembler.mask().put(b.firstSlice(), b.count(), p.labels());
            assembler.probabilities().put(b.firstSlice(), b.count(), p.quantised());
        }
    }

    private Segmentation finish(Volume ct, Assemblers assembler, long t0, long readNanos, long inferNanos) {
        long t = System.nanoTime();
        Volume mask = postprocess(assembler.mask().toSourceGrid());
        long postNanos = System.nanoTime() - t;
        Volume probabilities = assembler.probabilities() == null ? null : assembler.probabilities().toSourceGrid();
        Map<String, Long> timings = new LinkedHashMap<>();
        if (readNanos > 0) {
            timings.put("read_and_preprocess_ms", readNanos / 1_000_000);
        }
        timings.put("inference_ms", inferNanos / 1_000_000);
        timings.put("postprocess_ms", postNanos / 1_000_000);
        timings.put("total_ms", (System.nanoTime() - t0) / 1_000_000);
        return new Segmentation(mask, ct, timings, probabilities);
    }

    /** Attention gates of this package's network: one per skip connection, levels − 1. */
    public int attentionGates() {
        return attentionGates(loaded.manifest());
    }

    /** Attention gates of the network a manifest describes: one per skip connection, levels − 1. */
    public static int attentionGates(ModelManifest manifest) {
        return manifest.architecture().levels() - 1;
    }

    /**
     * The α maps of every attention gate for a CT, on the input's grid: 4D (input dims, {@link #attentionGates()}),
     * uint8 read as α = value / 255, the input's affine, finest gate first ({@link AttentionMaps}: coarser gates
     * upsampled bilinearly to the network's grid, then mapped to the input grid as the mask is). From plain
     * forward passes of at most the predictor's forward batch, without augmentation: what the network itself
     * weighted, for a viewer beside the mask. A second pass over the file; the mask is not touched.
     */
    public Volume attentionMaps(Path file, NiftiReader reader, int batchSize) throws IOException {
        return attentionMaps(file, reader, batchSize, BatchListener.NONE);
    }

    /** As {@link #attentionMaps(Path, NiftiReader, int)}, telling {@code listener} before every batch. */
    public Volume attentionMaps(Path file, NiftiReader reader, int batchSize, BatchListener listener)
            throws IOException {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        int gates = attentionGates();
        int size = spec.targetSize();
        ProbabilityAssembler[] assembler = {null};
        StreamingSlicer.readAndSlice(reader, file, spec, batchSize, b -> {
            listener.beforeBatch();
            int perSlice = b.channels() * b.height() * b.width();
            for (int first = 0; first < b.count(); first += predictor.forwardBatch()) {
                int k = Math.min(predictor.forwardBatch(), b.count() - first);
                float[] chunk = Arrays.copyOfRange(b.data(), first * perSlice, (first + k) * perSlice);
                SlicePredictor.Prediction p = predictor.predictWithAttention(chunk, k, b.channels(), b.height(),
                        b.width());
                assembler[0].put(b.firstSlice() + first, k, AttentionMaps.quantised(p, k, size));
            }
        }, volume -> assembler[0] = new ProbabilityAssembler(Reorientation.toCanonical(volume), size, gates));
        return assembler[0].toSourceGrid();
    }

    /**
     * Applies this package's postprocessing to an assembled mask (uint8 labels on the input's grid, as
     * {@link MaskAssembler#toSourceGrid()} makes it), in place, exactly as {@link #segment} does: a mask
     * assembled elsewhere from the same per-slice predictions ends up identical.
     *
     * @return {@code mask}, changed in place
     */
    public Volume postprocess(Volume mask) {
        return postprocess(loaded.manifest(), mask);
    }

    /** As {@link #postprocess(Volume)} for the postprocessing a manifest names, without a loaded model. */
    public static Volume postprocess(ModelManifest manifest, Volume mask) {
        ModelManifest.Postprocessing post = manifest.postprocessing();
        if (post != null && "liver".equals(post.type())) {
            LiverPostprocessing.apply(mask.voxels().byteArray(), mask.nx(), mask.ny(), mask.nz(),
                    post.organLabel(), post.lesionLabel());
        }
        return mask;
    }

    @Override
    public void close() {
        loaded.close();
    }
}
