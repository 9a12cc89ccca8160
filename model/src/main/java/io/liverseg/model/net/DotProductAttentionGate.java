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
 * Scaled dot-product attention gate (the design's "Attention(Q, K, V) = softmax(QKᵀ/√d)·V" reduced to
 * one weight per pixel). For every pixel p:
 *
 * <pre>
 *   q(p) = W_q·g(p) + b_q            (1×1 conv, C_g → d)
 *   k(p) = W_k·F(p) + b_k            (1×1 conv, C_x → d)
 *   α(p) = sigmoid( Σ_{c&lt;d} q_c(p)·k_c(p) / √d )
 *   out(p) = α(p)·F(p)
 * </pre>
 *
 * The query comes from the decoder (what the coarse level is looking for), the key from the skip (what
 * is there), the value is F itself. A sigmoid replaces the softmax because each pixel has a single key,
 * and the gate must be able to pass several regions at once rather than distribute a unit mass.
 * Children: {@code query, key}.
 */
public final class DotProductAttentionGate extends AttentionGate {

    private static final byte VERSION = 1;

    private final Conv2d query;
    private final Conv2d key;
    private final float scale;

    /** A gate with projections of {@code projectionChannels} (d) channels. */
    public DotProductAttentionGate(int projectionChannels) {
        super(VERSION, projectionChannels);
        query = addChildBlock("query", Layers.conv1x1(projectionChannels, true));
        key = addChildBlock("key", Layers.conv1x1(projectionChannels, true));
        scale = (float) (1.0 / Math.sqrt(projectionChannels));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray g = inputs.get(0);
        NDArray f = inputs.get(1);
        checkInputs(g.getShape(), f.getShape());
        NDArray q = query.forward(ps, new NDList(g), training).head();
        NDArray k = key.forward(ps, new NDList(f), training).head();
        NDArray alpha = Activation.sigmoid(q.mul(k).sum(new int[] {1}, true).mul(scale));
        return new NDList(f.mul(alpha), alpha);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        query.initialize(manager, dataType, inputShapes[0]);
        key.initialize(manager, dataType, inputShapes[1]);
    }
}
