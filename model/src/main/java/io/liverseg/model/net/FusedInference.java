package io.liverseg.model.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Inference-only forward of a trained {@link AttentionResUNetBlock} with every batch norm folded into
 * the convolution before it: with s = γ/√(σ² + ε), {@code W' = s·W} (per output channel) and
 * {@code b' = s·(b − μ) + β}, so conv + BN becomes a single conv and one full pass over each activation
 * is saved. Up-convolutions, gates and the head run unchanged.
 *
 * <p>The folded weights are a snapshot taken by {@link #of}: train the network further and the snapshot
 * is stale (build a new one). Results equal {@code net.forward(…, training = false)} up to float
 * rounding. Close it to free the folded weights.
 */
public final class FusedInference implements AutoCloseable {

    private static final Shape ONE = new Shape(1, 1);
    private static final Shape PAD_ONE = new Shape(1, 1);
    private static final Shape PAD_NONE = new Shape(0, 0);

    private final AttentionResUNetBlock net;
    private final NDManager manager;
    private final Map<ResidualBlock, Folded> folded = new IdentityHashMap<>();

    private FusedInference(AttentionResUNetBlock net, NDManager manager) {
        this.net = net;
        this.manager = manager;
    }

    /**
     * Folds the batch norms of an initialized (normally trained) network; the folded weights live in a
     * sub-manager of {@code parent} on the network's device.
     */
    public static FusedInference of(AttentionResUNetBlock net, NDManager parent) {
        if (!net.isInitialized()) {
            throw new IllegalStateException("initialize or load the network first");
        }
        FusedInference fused = new FusedInference(net, parent.newSubManager());
        try {
            for (ResidualBlock block : net.encoders()) {
                fused.folded.put(block, fused.fold(block));
            }
            for (ResidualBlock block : net.decoders()) {
                fused.folded.put(block, fused.fold(block));
            }
        } catch (RuntimeException e) {
            fused.close();
            throw e;
        }
        return fused;
    }

    /** Logits of {@code input}, as {@code net.forward(ps, input, false)}. */
    public NDList forward(NDArray input) {
        return forward(input, false);
    }

    /** Logits, followed by the attention maps when {@code withAttention} (same order as the network). */
    public NDList forward(NDArray input, boolean withAttention) {
        ParameterStore ps = new ParameterStore(input.getManager(), false);
        return net.run(ps, input, false, withAttention, (block, x) -> folded.get(block).apply(x));
    }

    @Override
    public void close() {
        manager.close();
    }

    private Folded fold(ResidualBlock block) {
        NDArray[] c1 = fold(block.conv1(), block.bn1());
        NDArray[] c2 = fold(block.conv2(), block.bn2());
        Conv2d shortcut = block.shortcut();
        NDArray ws = shortcut == null ? null : copy(param(shortcut, Parameter.Type.WEIGHT));
        NDArray bs = shortcut == null ? null : copy(param(shortcut, Parameter.Type.BIAS));
        return new Folded(c1[0], c1[1], c2[0], c2[1], ws, bs);
    }

    private NDArray[] fold(Conv2d conv, BatchNorm bn) {
        NDArray w = param(conv, Parameter.Type.WEIGHT);
        NDArray b = param(conv, Parameter.Type.BIAS);
        NDArray gamma = param(bn, Parameter.Type.GAMMA);
        NDArray beta = param(bn, Parameter.Type.BETA);
        NDArray mean = param(bn, Parameter.Type.RUNNING_MEAN);
        NDArray var = param(bn, Parameter.Type.RUNNING_VAR);
        try (NDManager scratch = manager.newSubManager()) {
            // Results land on their first operand's manager: borrow the parameters into the scratch
            // manager so the intermediates are freed with it, and keep only the two folded arrays.
            for (NDArray a : new NDArray[] {w, b, gamma, beta, mean, var}) {
                a.tempAttach(scratch);
            }
            NDArray s = gamma.div(var.add(Layers.BN_EPSILON).sqrt());
            NDArray foldedW = w.mul(s.reshape(-1, 1, 1, 1));
            NDArray foldedB = b.sub(mean).mul(s).add(beta);
            foldedW.attach(manager);
            foldedB.attach(manager);
            return new NDArray[] {foldedW, foldedB};
        }
    }

    private NDArray copy(NDArray a) {
        NDArray c = a.duplicate();
        c.attach(manager);
        return c;
    }

    private static NDArray param(ai.djl.nn.Block block, Parameter.Type type) {
        for (var p : block.getDirectParameters()) {
            if (p.getValue().getType() == type) {
                return p.getValue().getArray();
            }
        }
        throw new IllegalStateException("no " + type + " parameter in " + block);
    }

    /** A residual block with folded convolutions: ReLU(S(x) + conv2'(ReLU(conv1'(x)))). */
    private record Folded(NDArray w1, NDArray b1, NDArray w2, NDArray b2, NDArray ws, NDArray bs) {
        NDArray apply(NDArray x) {
            NDArray h = Activation.relu(Conv2d.conv2d(x, w1, b1, ONE, PAD_ONE, ONE, 1).head());
            h = Conv2d.conv2d(h, w2, b2, ONE, PAD_ONE, ONE, 1).head();
            NDArray skip = ws == null ? x : Conv2d.conv2d(x, ws, bs, ONE, PAD_NONE, ONE, 1).head();
            return Activation.relu(h.add(skip));
        }
    }
}
