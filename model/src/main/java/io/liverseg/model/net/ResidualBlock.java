package io.liverseg.model.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The residual unit of encoder and decoder: {@code y = ReLU(S(x) + BN(conv3(ReLU(BN(conv3(x))))))}.
 *
 * <p>S is the identity when input and output channels agree and a 1×1 convolution (with bias, no batch
 * norm) when they differ. The last ReLU sits after the addition, as in the original ResNet
 * ("post-activation"), so the block output is non-negative like a plain conv-BN-ReLU pair and the decoder
 * concatenates two tensors of the same kind. Children: {@code conv1, bn1, conv2, bn2[, shortcut]}.
 */
public final class ResidualBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int inChannels;
    private final int outChannels;
    private final Conv2d conv1;
    private final BatchNorm bn1;
    private final Conv2d conv2;
    private final BatchNorm bn2;
    private final Conv2d shortcut;

    /** A block from {@code inChannels} to {@code outChannels} features at unchanged resolution. */
    public ResidualBlock(int inChannels, int outChannels) {
        super(VERSION);
        if (inChannels < 1 || outChannels < 1) {
            throw new IllegalArgumentException("channels must be >= 1: " + inChannels + " -> " + outChannels);
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        conv1 = addChildBlock("conv1", Layers.conv3x3(outChannels));
        bn1 = addChildBlock("bn1", Layers.batchNorm());
        conv2 = addChildBlock("conv2", Layers.conv3x3(outChannels));
        bn2 = addChildBlock("bn2", Layers.batchNorm());
        shortcut = inChannels == outChannels ? null : addChildBlock("shortcut", Layers.conv1x1(outChannels, true));
    }

    /** Input features. */
    public int inChannels() {
        return inChannels;
    }

    /** Output features. */
    public int outChannels() {
        return outChannels;
    }

    Conv2d conv1() {
        return conv1;
    }

    BatchNorm bn1() {
        return bn1;
    }

    Conv2d conv2() {
        return conv2;
    }

    BatchNorm bn2() {
        return bn2;
    }

    /** The 1×1 shortcut, or null for the identity. */
    Conv2d shortcut() {
        return shortcut;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDList h = conv1.forward(ps, inputs, training);
        h = bn1.forward(ps, h, training);
        h = conv2.forward(ps, new NDList(Activation.relu(h.head())), training);
        h = bn2.forward(ps, h, training);
        NDArray skip = shortcut == null ? x : shortcut.forward(ps, inputs, training).head();
        return new NDList(Activation.relu(h.head().add(skip)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), outChannels, in.get(2), in.get(3))};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        conv1.initialize(manager, dataType, inputShapes);
        Shape[] hidden = conv1.getOutputShapes(inputShapes);
        bn1.initialize(manager, dataType, hidden);
        conv2.initialize(manager, dataType, hidden);
        bn2.initialize(manager, dataType, hidden);
        if (shortcut != null) {
            shortcut.initialize(manager, dataType, inputShapes);
        }
    }
}
