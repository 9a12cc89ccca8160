package io.liverseg.model.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A 2×2, stride-2 transposed convolution written as a 1×1 convolution to 4·C_out channels followed by
 * depth-to-space, because DJL's PyTorch engine does not implement Conv2dTranspose.
 *
 * <p>With kernel = stride = 2 the output windows do not overlap, so the transposed convolution is exactly
 * {@code out[co, 2y+dy, 2x+dx] = b[co] + Σ_ci in[ci, y, x]·W[ci, co, dy, dx]}. The 1×1 convolution
 * computes all four {@code (dy, dx)} taps per input pixel as channel {@code co·4 + dy·2 + dx} (no bias),
 * depth-to-space moves that channel to pixel {@code (2y+dy, 2x+dx)} of channel {@code co}, and a
 * per-output-channel bias is added last. Parameters are therefore exactly those of the transposed
 * convolution: 4·C_in·C_out weights plus C_out biases. Children: {@code conv}; parameter: {@code bias}.
 */
public final class UpConv2x2 extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int outChannels;
    private final boolean channelsLast;
    private final Conv2d conv;
    private final Parameter bias;

    /** An upsampling by 2 to {@code outChannels} features, for standard NCHW storage. */
    public UpConv2x2(int outChannels) {
        this(outChannels, false);
    }

    /**
     * An upsampling by 2 to {@code outChannels} features; {@code channelsLast} picks the depth-to-space
     * that keeps NHWC storage on CPU devices (same result, see {@link MemoryLayout}).
     */
    public UpConv2x2(int outChannels, boolean channelsLast) {
        super(VERSION);
        this.channelsLast = channelsLast;
        if (outChannels < 1) {
            throw new IllegalArgumentException("outChannels must be >= 1, got " + outChannels);
        }
        this.outChannels = outChannels;
        conv = addChildBlock("conv", Layers.conv1x1(4 * outChannels, false));
        bias = addParameter(Parameter.builder()
                .setName("bias")
                .setType(Parameter.Type.BIAS)
                .optShape(new Shape(outChannels))
                .build());
    }

    /** Output features. */
    public int outChannels() {
        return outChannels;
    }

    /**
     * Loads the weights of an equivalent transposed convolution, in PyTorch's ConvTranspose2d layout,
     * into this (initialized) block by copying values; useful for importing weights and for testing.
     *
     * @param weight shape (C_in, C_out, 2, 2)
     * @param biasValues shape (C_out)
     */
    public void setTransposedConvWeights(NDArray weight, NDArray biasValues) {
        Shape ws = weight.getShape();
        if (ws.dimension() != 4 || ws.get(1) != outChannels || ws.get(2) != 2 || ws.get(3) != 2) {
            throw new IllegalArgumentException("expected weight (C_in, " + outChannels + ", 2, 2), got " + ws);
        }
        if (!biasValues.getShape().equals(new Shape(outChannels))) {
            throw new IllegalArgumentException("expected bias (" + outChannels + "), got " + biasValues.getShape());
        }
        if (!isInitialized()) {
            throw new IllegalStateException("initialize the block before loading weights");
        }
        long inChannels = ws.get(0);
        NDArray convWeight = conv.getParameters().get("weight").getArray();
        NDArray biasArray = bias.getArray();
        // (C_in, C_out, dy, dx) -> (C_out, dy, dx, C_in) -> (C_out·4, C_in, 1, 1): channel co·4 + dy·2 + dx.
        NDArray w1x1 = weight.transpose(1, 2, 3, 0).reshape(4L * outChannels, inChannels, 1, 1);
        if (!w1x1.getShape().equals(convWeight.getShape())) {
            throw new IllegalArgumentException("weight maps to " + w1x1.getShape() + " but the block holds "
                    + convWeight.getShape());
        }
        w1x1.toType(convWeight.getDataType(), false).copyTo(convWeight);
        biasValues.toType(biasArray.getDataType(), false).copyTo(biasArray);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray taps = conv.forward(ps, inputs, training).head();
        NDArray b = ps.getValue(bias, x.getDevice(), training);
        NDArray up = channelsLast && !x.getDevice().isGpu()
                ? MemoryLayout.depthToSpaceChannelsLast(taps, outChannels)
                : depthToSpace(taps, outChannels);
        return new NDList(up.add(b.reshape(1, outChannels, 1, 1)));
    }

    /**
     * Rearranges (N, C·4, H, W) into (N, C, 2H, 2W): channel {@code c·4 + dy·2 + dx} at (y, x) goes to
     * pixel (2y+dy, 2x+dx) of channel c (PyTorch's pixel_shuffle with upscale factor 2).
     */
    public static NDArray depthToSpace(NDArray taps, int channels) {
        Shape s = taps.getShape();
        long n = s.get(0);
        long h = s.get(2);
        long w = s.get(3);
        if (s.get(1) != 4L * channels) {
            throw new IllegalArgumentException("expected " + 4 * channels + " channels, got " + s);
        }
        return taps.reshape(n, channels, 2, 2, h, w)
                .transpose(0, 1, 4, 2, 5, 3)
                .reshape(n, channels, 2 * h, 2 * w);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), outChannels, 2 * in.get(2), 2 * in.get(3))};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        conv.initialize(manager, dataType, inputShapes);
    }
}
