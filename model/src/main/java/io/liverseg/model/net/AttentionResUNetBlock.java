package io.liverseg.model.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Objects;

/**
 * The Attention Residual UNet as a DJL block; build it with {@link AttentionResUNet#builder()}.
 *
 * <p>Input (N, inputChannels, H, W) with H and W divisible by 2^(levels−1). Output of a normal forward:
 * {@code NDList(logits)}, logits (N, classes, H, W). With the attention maps requested (see
 * {@link #forwardWithAttention} or the {@link #RETURN_ATTENTION} forward parameter) the list is
 * {@code (logits, α_0, α_1, …, α_{levels−2})}: α_i is the gate of the skip at level i, shape
 * (N, 1, H/2^i, W/2^i), so α_0 is the full-resolution map and the last one the coarsest.
 *
 * <p>On CPU devices the network by default stores activations channels-last (NHWC) internally, which
 * oneDNN runs several times faster for these few-channel layers; inputs and outputs stay plain NCHW
 * and the values do not depend on it ({@link AttentionResUNet.Builder#optChannelsLast}).
 *
 * <p>Children, in order: {@code enc0…enc{L-1}} (residual blocks; enc{L-1} is the bottleneck), then for
 * i = L−2 … 0: {@code up{i}} (2×2 up-convolution), {@code att{i}} (gate), {@code dec{i}} (residual block
 * on concat(α⊙F, up)); finally {@code head} (1×1 convolution to the class logits).
 */
public final class AttentionResUNetBlock extends AbstractBlock {

    /**
     * Forward parameter key: a {@code Boolean.TRUE} value under this key in the forward
     * {@code PairList} appends the attention maps to the output.
     */
    public static final String RETURN_ATTENTION = "liverseg.returnAttention";

    private static final byte VERSION = 1;
    private static final Shape POOL = new Shape(2, 2);
    private static final Shape NO_PAD = new Shape(0, 0);

    private final UNetConfig config;
    private final boolean channelsLast;
    private final ResidualBlock[] encoders;
    private final UpConv2x2[] ups;
    private final AttentionGate[] gates;
    private final ResidualBlock[] decoders;
    private final Conv2d head;

    AttentionResUNetBlock(UNetConfig config, boolean channelsLast) {
        super(VERSION);
        this.config = Objects.requireNonNull(config, "config");
        this.channelsLast = channelsLast;
        int levels = config.levels();
        encoders = new ResidualBlock[levels];
        ups = new UpConv2x2[levels - 1];
        gates = new AttentionGate[levels - 1];
        decoders = new ResidualBlock[levels - 1];
        int in = config.inputChannels();
        for (int i = 0; i < levels; i++) {
            encoders[i] = addChildBlock("enc" + i, new ResidualBlock(in, config.features(i)));
            in = config.features(i);
        }
        for (int i = levels - 2; i >= 0; i--) {
            int f = config.features(i);
            ups[i] = addChildBlock("up" + i, new UpConv2x2(f, channelsLast));
            gates[i] = addChildBlock("att" + i, AttentionGate.of(config.attention(), config.attentionChannels(i)));
            decoders[i] = addChildBlock("dec" + i, new ResidualBlock(2 * f, f));
        }
        head = addChildBlock("head", Layers.conv1x1(config.classes(), true));
    }

    /** The configuration this network was built from. */
    public UNetConfig config() {
        return config;
    }

    /** Whether CPU forwards run with NHWC ("channels last") storage inside the network. */
    public boolean channelsLast() {
        return channelsLast;
    }

    /** Forward that also returns the attention maps: {@code (logits, α_0, …, α_{levels−2})}. */
    public NDList forwardWithAttention(ParameterStore ps, NDList inputs, boolean training) {
        PairList<String, Object> params = new PairList<>();
        params.add(RETURN_ATTENTION, Boolean.TRUE);
        return forward(ps, inputs, training, params);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return run(ps, inputs.head(), training, wantsAttention(params), (block, x) ->
                block.forward(ps, new NDList(x), training).head());
    }

    /** Runs one residual block; lets {@link FusedInference} substitute batch-norm-folded blocks. */
    @FunctionalInterface
    interface ResidualRunner {
        NDArray apply(ResidualBlock block, NDArray input);
    }

    /** The forward pass with the residual blocks run by {@code residual}; see the class comment. */
    NDList run(ParameterStore ps, NDArray input, boolean training, boolean withAttention, ResidualRunner residual) {
        NDArray x = input;
        checkInput(x.getShape());
        // NHWC storage inside the network is a CPU speed choice only; results are identical.
        boolean nhwc = channelsLast && !x.getDevice().isGpu();
        if (nhwc) {
            x = MemoryLayout.toChannelsLast(x);
        }
        int levels = config.levels();
        NDArray[] skips = new NDArray[levels - 1];
        NDArray h = x;
        for (int i = 0; i < levels; i++) {
            h = residual.apply(encoders[i], h);
            if (i < levels - 1) {
                skips[i] = h;
                h = Pool.maxPool2d(h, POOL, POOL, NO_PAD, false);
            }
        }
        NDArray[] alphas = new NDArray[levels - 1];
        for (int i = levels - 2; i >= 0; i--) {
            NDArray up = ups[i].forward(ps, new NDList(h), training).head();
            NDList gated = gates[i].forward(ps, new NDList(up, skips[i]), training);
            alphas[i] = gated.get(1);
            h = residual.apply(decoders[i], NDArrays.concat(new NDList(gated.head(), up), 1));
        }
        NDArray logits = head.forward(ps, new NDList(h), training).head();
        // Callers get plain NCHW logits whatever the internal layout.
        NDList out = new NDList(nhwc ? MemoryLayout.toContiguous(logits) : logits);
        if (withAttention) {
            for (NDArray alpha : alphas) {
                out.add(alpha);
            }
        }
        return out;
    }

    ResidualBlock[] encoders() {
        return encoders.clone();
    }

    ResidualBlock[] decoders() {
        return decoders.clone();
    }

    private static boolean wantsAttention(PairList<String, Object> params) {
        return params != null && Boolean.TRUE.equals(params.get(RETURN_ATTENTION));
    }

    private void checkInput(Shape s) {
        int divisor = config.sizeDivisor();
        if (s.dimension() != 4 || s.get(1) != config.inputChannels() || s.get(2) % divisor != 0
                || s.get(3) % divisor != 0 || s.get(2) == 0 || s.get(3) == 0) {
            throw new IllegalArgumentException("expected input (N, " + config.inputChannels()
                    + ", H, W) with H and W positive multiples of " + divisor + ", got " + s);
        }
    }

    /** {@code (N, classes, H, W)}; the attention maps, when requested, are not described here. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), config.classes(), in.get(2), in.get(3))};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = inputShapes[0];
        checkInput(in);
        int levels = config.levels();
        Shape[] skipShapes = new Shape[levels - 1];
        Shape s = in;
        for (int i = 0; i < levels; i++) {
            encoders[i].initialize(manager, dataType, s);
            s = encoders[i].getOutputShapes(new Shape[] {s})[0];
            if (i < levels - 1) {
                skipShapes[i] = s;
                s = new Shape(s.get(0), s.get(1), s.get(2) / 2, s.get(3) / 2);
            }
        }
        for (int i = levels - 2; i >= 0; i--) {
            ups[i].initialize(manager, dataType, s);
            Shape up = ups[i].getOutputShapes(new Shape[] {s})[0];
            gates[i].initialize(manager, dataType, up, skipShapes[i]);
            Shape cat = new Shape(up.get(0), up.get(1) + skipShapes[i].get(1), up.get(2), up.get(3));
            decoders[i].initialize(manager, dataType, cat);
            s = decoders[i].getOutputShapes(new Shape[] {cat})[0];
        }
        head.initialize(manager, dataType, s);
    }
}
