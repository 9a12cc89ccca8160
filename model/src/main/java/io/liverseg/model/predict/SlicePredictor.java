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
import java.util.List;

/**
 * Runs the network on NCHW float batches and returns per-pixel labels (argmax over classes). Each call
 * works in its own NDManager, closed before it returns: DJL frees a forward's intermediates only when
 * their manager closes, so memory stays bounded by one batch however many batches run.
 */
public final class SlicePredictor {
    private final Model model;
    private final AttentionResUNetBlock block;

    public SlicePredictor(Model model, AttentionResUNetBlock block) {
        this.model = model;
        this.block = block;
    }

    /**
     * Labels for {@code n} slices of {@code c × h × w}, row-major per slice.
     *
     * @param flipTta also predict the left–right mirrored input and average the class probabilities (only
     *                useful for models trained with mirroring; off by default everywhere)
     */
    public byte[] predict(float[] data, int n, int c, int h, int w, boolean flipTta) {
        try (NDManager m = model.getNDManager().newSubManager()) {
            return probabilities(m, data, n, c, h, w, flipTta).argMax(1).toType(DataType.UINT8, false).toByteArray();
        }
    }

    /**
     * Labels and class probabilities for {@code n} slices of {@code c × h × w}: the labels are exactly those of
     * {@link #predict} (argmax of the float probabilities), the probabilities are quantised to bytes, p × 255
     * rounded, laid out (n, classes, h, w).
     */
    public Probabilities predictProbabilities(float[] data, int n, int c, int h, int w, boolean flipTta) {
        try (NDManager m = model.getNDManager().newSubManager()) {
            NDArray probs = probabilities(m, data, n, c, h, w, flipTta);
            byte[] labels = probs.argMax(1).toType(DataType.UINT8, false).toByteArray();
            int classes = (int) probs.getShape().get(1);
            // the mean of the two passes with TTA; rounding, not truncation, so a certain class reads 255
            float scale = flipTta ? 127.5f : 255f;
            byte[] quantised = probs.mul(scale).round().clip(0, 255).toType(DataType.UINT8, false).toByteArray();
            return new Probabilities(labels, quantised, classes);
        }
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
