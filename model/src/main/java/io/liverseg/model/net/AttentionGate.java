package io.liverseg.model.net;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;

/**
 * A spatial attention gate on a skip connection: input {@code (g, F)} — the decoder's gating signal g
 * (N, C_g, H, W) and the skip features F (N, C_x, H, W) at the same resolution — output
 * {@code (α ⊙ F, α)} with one α ∈ [0, 1] per pixel, shape (N, 1, H, W), broadcast over F's channels.
 */
public abstract class AttentionGate extends AbstractBlock {

    /** Channels d of the projections of g and F. */
    protected final int projectionChannels;

    /** A gate with {@code projectionChannels} projection channels. */
    protected AttentionGate(byte version, int projectionChannels) {
        super(version);
        if (projectionChannels < 1) {
            throw new IllegalArgumentException("projectionChannels must be >= 1, got " + projectionChannels);
        }
        this.projectionChannels = projectionChannels;
    }

    /** A new gate of {@code type} with {@code projectionChannels} projection channels. */
    public static AttentionGate of(AttentionType type, int projectionChannels) {
        return switch (type) {
            case DOT_PRODUCT -> new DotProductAttentionGate(projectionChannels);
            case ADDITIVE -> new AdditiveAttentionGate(projectionChannels);
        };
    }

    /** Channels d of the projections of g and F. */
    public int projectionChannels() {
        return projectionChannels;
    }

    /** {@code (α ⊙ F, α)}: F's shape and (N, 1, H, W). */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape f = inputShapes[1];
        return new Shape[] {f, new Shape(f.get(0), 1, f.get(2), f.get(3))};
    }

    static void checkInputs(Shape g, Shape f) {
        if (g.dimension() != 4 || f.dimension() != 4 || g.get(0) != f.get(0) || g.get(2) != f.get(2)
                || g.get(3) != f.get(3)) {
            throw new IllegalArgumentException("gating signal " + g + " and skip features " + f
                    + " must be (N, C, H, W) with the same N, H and W");
        }
    }
}
