package io.liverseg.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.Random;

/** Small helpers shared by the model tests. */
public final class TestSupport {

    private TestSupport() {}

    /** A CPU manager on the offline PyTorch engine; close it. */
    public static NDManager cpuManager() {
        return DjlEnvironment.newManager(Device.cpu());
    }

    /** {@code n} floats uniform in [-1, 1) from a fixed seed. */
    public static float[] randomFloats(long seed, int n) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextFloat() * 2 - 1;
        }
        return v;
    }

    /** An array of random values in [-1, 1) from a fixed seed. */
    public static NDArray random(NDManager m, long seed, long... shape) {
        Shape s = new Shape(shape);
        return m.create(randomFloats(seed, Math.toIntExact(s.size())), s);
    }

    /** Overwrites the values of the named direct parameter of {@code block}. */
    public static void setParameter(Block block, String name, float[] values) {
        Parameter p = block.getParameters().get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter '" + name + "' in " + block.getParameters().keys());
        }
        p.getArray().set(values);
    }

    /** Trainable (gradient-carrying) parameter count of an initialized block. */
    public static long trainableParameters(Block block) {
        long n = 0;
        for (var p : block.getParameters()) {
            if (p.getValue().requiresGradient()) {
                n += p.getValue().getArray().size();
            }
        }
        return n;
    }

    /** All parameters, including batch-norm running statistics. */
    public static long allParameters(Block block) {
        long n = 0;
        for (var p : block.getParameters()) {
            n += p.getValue().getArray().size();
        }
        return n;
    }
}
