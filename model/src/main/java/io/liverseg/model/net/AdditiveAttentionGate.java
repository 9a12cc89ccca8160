package io.liverseg.model.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Additive attention gate of Oktay et al. (Attention U-Net, 2018), with g already at F's resolution:
 *
 * <pre>
 *   α(p) = sigmoid( ψ·ReLU(W_g·g(p) + W_x·F(p) + b) + b_ψ )
 *   out(p) = α(p)·F(p)
 * </pre>
 *
 * W_g (C_g → d, carrying the shared bias b), W_x (C_x → d, no bias) and ψ (d → 1, bias b_ψ) are 1×1
 * convolutions. Children: {@code gating, skip, psi}.
 */
public final class AdditiveAttentionGate extends AttentionGate {

    private static final byte VERSION = 1;

    private final Conv2d gating;
    private final Conv2d skip;
    private final Conv2d psi;

    /** A gate with an intermediate of {@code projectionChannels} (d) channels. */
    public AdditiveAttentionGate(int projectionChannels) {
        super(VERSION, projectionChannels);
        gating = addChildBlock("gating", Layers.conv1x1(projectionChannels, true));
        skip = addChildBlock("skip", Layers.conv1x1(projectionChannels, false));
        psi = addChildBlock("psi", Layers.conv1x1(1, true));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray g = inputs.get(0);
        NDArray f = inputs.get(1);
        checkInputs(g.getShape(), f.getShape());
        NDArray wg = gating.forward(ps, new NDList(g), training).head();
        NDArray wx = skip.forward(ps, new NDList(f), training).head();
        NDArray hidden = Activation.relu(wg.add(wx));
        NDArray alpha = Activation.sigmoid(psi.forward(ps, new NDList(hidden), training).head());
        return new NDList(f.mul(alpha), alpha);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        gating.initialize(manager, dataType, inputShapes[0]);
        skip.initialize(manager, dataType, inputShapes[1]);
        Shape f = inputShapes[1];
        psi.initialize(manager, dataType, new Shape(f.get(0), projectionChannels, f.get(2), f.get(3)));
    }
}
