package io.liverseg.model.net;

/** How an attention gate turns the gating signal g and the skip features F into α. */
public enum AttentionType {
    /** α = sigmoid(Σ_c q_c·k_c / √d), q = W_q·g + b_q, k = W_k·F + b_k (see {@link DotProductAttentionGate}). */
    DOT_PRODUCT,
    /** Oktay et al.: α = sigmoid(ψ(ReLU(W_g·g + W_x·F + b))) (see {@link AdditiveAttentionGate}). */
    ADDITIVE
}
