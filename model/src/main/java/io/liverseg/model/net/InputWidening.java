package io.liverseg.model.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.PairList;
import java.nio.FloatBuffer;

/**
 * Turns a trained single-slice network into an adjacent-slice (3-channel) one that computes exactly the same
 * function: every weight is copied, and a weight over the input channels keeps the old values on the centre
 * channel (the slice itself) with zeros on its neighbours. Fine-tuning from there starts at the single-slice
 * model's accuracy and only has to learn what the neighbours add.
 */
public final class InputWidening {
    private InputWidening() {
    }

    /**
     * Copies {@code from}'s weights (and batch-norm statistics) into {@code to}. Both blocks must be initialized
     * networks of the same design, {@code from} with 1 input channel and {@code to} with 3.
     *
     * @throws IllegalArgumentException when the configurations or parameters do not match that way
     */
    public static void copy(Block from, UNetConfig fromConfig, Block to, UNetConfig toConfig) {
        if (fromConfig.inputChannels() != 1 || toConfig.inputChannels() != 3) {
            throw new IllegalArgumentException("widening goes from 1 to 3 input channels, not "
                    + fromConfig.inputChannels() + " to " + toConfig.inputChannels());
        }
        if (!widens(fromConfig, toConfig)) {
            throw new IllegalArgumentException("architectures differ beyond the input channels: " + fromConfig
                    + " vs " + toConfig);
        }
        PairList<String, Parameter> source = from.getParameters();
        PairList<String, Parameter> target = to.getParameters();
        if (!source.keys().equals(target.keys())) {
            throw new IllegalArgumentException("parameter names differ: " + source.keys() + " vs " + target.keys());
        }
        for (int i = 0; i < source.size(); i++) {
            String name = source.keyAt(i);
            NDArray s = source.valueAt(i).getArray();
            NDArray t = target.valueAt(i).getArray();
            float[] values = s.toFloatArray();
            if (s.getShape().equals(t.getShape())) {
                t.set(FloatBuffer.wrap(values));
            } else {
                t.set(FloatBuffer.wrap(centred(name, values, s.getShape(), t.getShape())));
            }
        }
    }

    /** Whether {@code to} is {@code from} with 3 adjacent-slice input channels instead of 1, all else equal. */
    public static boolean widens(UNetConfig from, UNetConfig to) {
        return from.inputChannels() == 1 && to.inputChannels() == 3
                && new UNetConfig(3, from.classes(), from.baseFeatures(), from.levels(), from.attention()).equals(to);
    }

    /** A (O, 1, kh, kw) weight as (O, 3, kh, kw) with the values on channel 1 and zeros on channels 0 and 2. */
    private static float[] centred(String name, float[] values, Shape from, Shape to) {
        if (from.dimension() != 4 || from.get(1) != 1 || to.dimension() != 4 || to.get(1) != 3
                || from.get(0) != to.get(0) || from.get(2) != to.get(2) || from.get(3) != to.get(3)) {
            throw new IllegalArgumentException("parameter " + name + ": cannot widen " + from + " to " + to);
        }
        int out = (int) from.get(0);
        int kernel = (int) (from.get(2) * from.get(3));
        float[] widened = new float[out * 3 * kernel];
        for (int o = 0; o < out; o++) {
            System.arraycopy(values, o * kernel, widened, (o * 3 + 1) * kernel, kernel);
        }
        return widened;
    }
}
