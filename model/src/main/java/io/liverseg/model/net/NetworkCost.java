package io.liverseg.model.net;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Convolution;

/**
 * Multiply-accumulate (MAC) count of an initialized network, read off the input shapes every layer
 * recorded at initialization: each convolution costs out_H·out_W·C_out·k_H·k_W·C_in/groups per
 * sample, each dot-product gate adds d per pixel for Σ_c q_c·k_c. Element-wise work (batch norm,
 * ReLU, sigmoid, additions, pooling, depth-to-space) is not counted. 1 MAC = 2 FLOP.
 */
public final class NetworkCost {

    private NetworkCost() {}

    /**
     * MACs of one sample (one slice) at the input size the block was initialized with.
     *
     * @throws IllegalStateException if the block is not initialized
     */
    public static long macsPerSample(Block block) {
        if (!block.isInitialized()) {
            throw new IllegalStateException("initialize the block first");
        }
        return walk(block);
    }

    /**
     * MACs of one {@code height × width} slice; all layers are convolutional, so the count scales with
     * the pixel count from the initialization size.
     */
    public static long macsPerSample(Block block, long height, long width) {
        Shape in = block.getInputShapes()[0];
        long initPixels = in.get(2) * in.get(3);
        long macs = macsPerSample(block);
        if ((macs * height * width) % initPixels != 0) {
            throw new IllegalArgumentException(height + "×" + width + " is not a scaling of the initialization size");
        }
        return macs * height / in.get(2) * width / in.get(3);
    }

    private static long walk(Block block) {
        if (block instanceof Convolution) {
            return convolutionMacs(block);
        }
        long macs = 0;
        if (block instanceof DotProductAttentionGate gate) {
            Shape f = block.getInputShapes()[1];
            macs += f.get(2) * f.get(3) * gate.projectionChannels();
        }
        for (var child : block.getChildren()) {
            macs += walk(child.getValue());
        }
        return macs;
    }

    private static long convolutionMacs(Block conv) {
        Shape in = conv.getInputShapes()[0];
        Shape out = conv.getOutputShapes(new Shape[] {in})[0];
        Shape weight = conv.getParameters().get("weight").getShape();
        // weight: (C_out, C_in/groups, kH, kW); per output element one MAC per weight of its filter.
        long perOutput = weight.size() / weight.get(0);
        long outPerSample = out.size() / out.get(0);
        return outPerSample * perOutput;
    }
}
