package io.liverseg.model.predict;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.liverseg.model.net.AttentionResUNetBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the network on NCHW float batches and returns per-pixel labels (argmax over classes). A batch larger than
 * the forward batch is run as consecutive chunks of at most that many slices, each in its own NDManager closed
 * before the next starts: DJL frees a forward's intermediates only when their manager closes, so memory stays
 * bounded by one chunk however many slices a call brings. The chunks depend only on the call's slices and the
 * forward batch, so two callers that pass the same batches get bit-identical labels.
 */
public final class SlicePredictor {
    /**
     * Slices per forward pass by default. At 8 a 256² pass of the vessel model needs about a quarter of the memory
     * of one at 32, its tensors are small enough for glibc's malloc to reuse, and it ran 20 % faster than at 32 on
     * the 2-core CPU (BENCHMARKS.md §3, session 10).
     */
    public static final int DEFAULT_FORWARD_BATCH = 8;

    private final Model model;
    private final AttentionResUNetBlock block;
    private final int forwardBatch;

    public SlicePredictor(Model model, AttentionResUNetBlock block) {
        this(model, block, DEFAULT_FORWARD_BATCH);
    }

    /** @param forwardBatch most slices in one forward pass */
    public SlicePredictor(Model model, AttentionResUNetBlock block, int forwardBatch) {
        if (forwardBatch < 1) {
            throw new IllegalArgumentException("forward batch must be at least 1, got " + forwardBatch);
        }
        this.model = model;
        this.block = block;
        this.forwardBatch = forwardBatch;
    }

    /** Most slices in one forward pass. */
    public int forwardBatch() {
        return forwardBatch;
    }

    /**
     * Labels for {@code n} slices of {@code c × h × w}, row-major per slice.
     *
     * @param flipTta also predict the left–right mirrored input and average the class probabilities (only
     *                useful for models trained with mirroring; off by default everywhere)
     */
    public byte[] predict(float[] data, int n, int c, int h, int w, boolean flipTta) {
        return passes(data, n, c, h, w, flipTta, (probs, first) -> { });
    }

    /**
     * Labels and class probabilities for {@code n} slices of {@code c × h × w}: the labels are exactly those of
     * {@link #predict} (argmax of the float probabilities), the probabilities are quantised to bytes, p × 255
     * rounded, laid out (n, classes, h, w).
     */
    public Probabilities predictProbabilities(float[] data, int n, int c, int h, int w, boolean flipTta) {
        int classes = block.config().classes();
        byte[] quantised = new byte[n * classes * h * w];
        // the mean of the two passes with TTA; rounding, not truncation, so a certain class reads 255
        float scale = flipTta ? 127.5f : 255f;
        byte[] labels = passes(data, n, c, h, w, flipTta, (probs, first) -> {
            byte[] q = probs.mul(scale).round().clip(0, 255).toType(DataType.UINT8, false).toByteArray();
            System.arraycopy(q, 0, quantised, first * classes * h * w, q.length);
        });
        return new Probabilities(labels, quantised, classes);
    }

    /** What else a caller takes from one pass: its class probabilities (k, classes, h, w) from slice {@code first}. */
    private interface PassResult {
        void accept(NDArray probabilities, int first);
    }

    /**
     * The labels of all {@code n} slices, one forward pass per chunk of at most {@link #forwardBatch} slices in its
     * own NDManager; {@code more} sees each pass's probabilities before its manager closes.
     */
    private byte[] passes(float[] data, int n, int c, int h, int w, boolean flipTta, PassResult more) {
        checkLength(data, n, c, h, w);
        byte[] labels = new byte[n * h * w];
        for (int first = 0; first < n; first += forwardBatch) {
            int k = Math.min(forwardBatch, n - first);
            try (NDManager m = model.getNDManager().newSubManager()) {
                NDArray probs = probabilities(m, chunk(data, first, k, c * h * w), k, c, h, w, flipTta);
                byte[] part = probs.argMax(1).toType(DataType.UINT8, false).toByteArray();
                System.arraycopy(part, 0, labels, first * h * w, part.length);
                more.accept(probs, first);
            }
        }
        return labels;
    }

    private static void checkLength(float[] data, int n, int c, int h, int w) {
        if (n < 1 || (long) n * c * h * w != data.length) {
            throw new IllegalArgumentException(data.length + " values are not " + n + " slices of " + c + "x" + h
                    + "x" + w);
        }
    }

    /** Slices {@code first .. first + k} of the batch; the array itself when that is all of it. */
    private static float[] chunk(float[] data, int first, int k, int perSlice) {
        return first == 0 && k * perSlice == data.length ? data
                : Arrays.copyOfRange(data, first * perSlice, (first + k) * perSlice);
    }

    /**
     * Labels with the class probabilities they were taken from.
     *
     * @param labels    n × h × w argmax labels
     * @param quantised n × classes × h × w probabilities as round(p × 255), unsigned bytes
     * @param classes   number of classes
     */
    public record Probabilities(byte[] labels, byte[] quantised, int classes) {
    }

    /**
     * Labels and the attention maps of every decoder level for one batch: maps are (n, 1, h_l, w_l) with
     * α ∈ [0, 1], finest level first, copied out as float arrays.
     */
    public Prediction predictWithAttention(float[] data, int n, int c, int h, int w) {
        try (NDManager m = model.getNDManager().newSubManager()) {
            NDArray x = m.create(data, new Shape(n, c, h, w));
            NDList out = block.forwardWithAttention(new ParameterStore(m, false), new NDList(x), false);
            byte[] labels = out.head().argMax(1).toType(DataType.UINT8, false).toByteArray();
            List<float[]> maps = new ArrayList<>();
            List<Shape> shapes = new ArrayList<>();
            for (int i = 1; i < out.size(); i++) {
                maps.add(out.get(i).toType(DataType.FLOAT32, false).toFloatArray());
                shapes.add(out.get(i).getShape());
            }
            return new Prediction(labels, maps, shapes);
        }
    }

    /** Softmax over classes, (n, classes, h, w); with TTA the sum of both passes' (argmax unchanged, 2× the mean). */
    private NDArray probabilities(NDManager m, float[] data, int n, int c, int h, int w, boolean flipTta) {
        NDArray x = m.create(data, new Shape(n, c, h, w));
        NDArray probs = forward(m, x).softmax(1);
        if (flipTta) {
            probs = probs.add(forward(m, x.flip(3)).softmax(1).flip(3));
        }
        return probs;
    }

    private NDArray forward(NDManager m, NDArray x) {
        return block.forward(new ParameterStore(m, false), new NDList(x), false).head();
    }

    /** Labels with the attention maps (finest level first) and their shapes. */
    public record Prediction(byte[] labels, List<float[]> attention, List<Shape> attentionShapes) {
    }
}
