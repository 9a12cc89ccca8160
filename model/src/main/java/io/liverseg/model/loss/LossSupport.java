package io.liverseg.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** Label and axis handling shared by the segmentation losses. */
final class LossSupport {

    private LossSupport() {}

    /** The logits: the first array of the predictions (a forward may append attention maps). */
    static NDArray logits(NDList predictions) {
        NDArray logits = predictions.head();
        if (logits.getShape().dimension() < 3) {
            throw new IllegalArgumentException("expected logits (N, C, spatial...), got " + logits.getShape());
        }
        return logits;
    }

    /**
     * The target as per-class probabilities shaped like {@code logits} (N, C, ...). Accepts integer class
     * maps (N, ...) or (N, 1, ...) of any numeric type, or one-hot / soft targets shaped like the logits.
     */
    static NDArray oneHot(NDArray labels, NDArray logits) {
        Shape ls = logits.getShape();
        Shape ts = labels.getShape();
        int nd = ls.dimension();
        int classes = Math.toIntExact(ls.get(1));
        if (ts.equals(ls) && !(classes == 1 && isInteger(labels))) {
            return labels.toType(logits.getDataType(), false);
        }
        NDArray classMap;
        if (ts.dimension() == nd - 1) {
            classMap = labels;
        } else if (ts.dimension() == nd && ts.get(1) == 1) {
            classMap = labels.squeeze(1);
        } else {
            throw new IllegalArgumentException("labels " + ts + " fit neither a class map (N, ...) nor one-hot "
                    + ls + " targets");
        }
        if (!classMap.getShape().equals(ls.slice(0, 1).addAll(ls.slice(2)))) {
            throw new IllegalArgumentException("class map " + ts + " does not match logits " + ls);
        }
        // one_hot appends the class axis last; move it to axis 1.
        NDArray hot = classMap.toType(DataType.INT64, false).oneHot(classes, logits.getDataType());
        int[] order = new int[nd];
        order[0] = 0;
        order[1] = nd - 1;
        for (int i = 2; i < nd; i++) {
            order[i] = i - 1;
        }
        return hot.transpose(order);
    }

    /** Every axis except the class axis 1: sums over them pool the batch and all pixels. */
    static int[] nonClassAxes(NDArray logits) {
        int nd = logits.getShape().dimension();
        int[] axes = new int[nd - 1];
        axes[0] = 0;
        for (int i = 2; i < nd; i++) {
            axes[i - 1] = i;
        }
        return axes;
    }

    /** A per-class vector as (1, C, 1, …) on the logits' manager and device, to broadcast over them. */
    static NDArray perClass(float[] values, NDArray logits) {
        int nd = logits.getShape().dimension();
        long[] shape = new long[nd];
        java.util.Arrays.fill(shape, 1);
        shape[1] = values.length;
        return logits.getManager().create(values).toType(logits.getDataType(), false).reshape(new Shape(shape));
    }

    static void checkClassCount(float[] values, NDArray logits, String what) {
        if (values != null && values.length != logits.getShape().get(1)) {
            throw new IllegalArgumentException(what + " has " + values.length + " entries but the logits have "
                    + logits.getShape().get(1) + " classes");
        }
    }

    static float[] checkedWeights(float[] values, String what) {
        if (values == null) {
            return null;
        }
        if (values.length == 0) {
            throw new IllegalArgumentException(what + " is empty");
        }
        double sum = 0;
        for (float v : values) {
            if (!(v >= 0) || Float.isInfinite(v)) {
                throw new IllegalArgumentException(what + " must be finite and >= 0, got " + v);
            }
            sum += v;
        }
        if (sum == 0) {
            throw new IllegalArgumentException(what + " must not all be 0");
        }
        return values.clone();
    }

    private static boolean isInteger(NDArray a) {
        return a.getDataType().isInteger() || a.getDataType() == DataType.BOOLEAN;
    }
}
