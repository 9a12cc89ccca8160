package io.liverseg.model.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.liverseg.model.TestSupport;
import org.junit.jupiter.api.Test;

class AttentionGateTest {

    // g: (1, CG, H, W), F: (1, CX, H, W), projections of D channels.
    private static final int CG = 3;
    private static final int CX = 2;
    private static final int D = 2;
    private static final int H = 2;
    private static final int W = 3;

    private final float[] g = TestSupport.randomFloats(11, CG * H * W);
    private final float[] f = TestSupport.randomFloats(12, CX * H * W);

    private static Block child(Block block, String suffix) {
        var children = block.getChildren();
        for (int i = 0; i < children.size(); i++) {
            if (children.keys().get(i).endsWith(suffix)) {
                return children.values().get(i);
            }
        }
        throw new IllegalArgumentException("no child " + suffix + " in " + children.keys());
    }

    /** 1×1 conv by hand: out[o] at pixel p = b[o] + Σ_i w[o, i]·in[i, p]. */
    private static double project(float[] in, int inChannels, float[] w, float[] b, int o, int p) {
        double acc = b == null ? 0 : b[o];
        for (int i = 0; i < inChannels; i++) {
            acc += w[o * inChannels + i] * in[i * H * W + p];
        }
        return acc;
    }

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    private void assertGate(Block gate, double[] expectedAlpha) {
        try (NDManager m = TestSupport.cpuManager()) {
            NDList out = gate.forward(new ParameterStore(m, false), new NDList(
                    m.create(g, new Shape(1, CG, H, W)), m.create(f, new Shape(1, CX, H, W))), false);
            assertThat(out.get(1).getShape()).isEqualTo(new Shape(1, 1, H, W));
            assertThat(out.get(0).getShape()).isEqualTo(new Shape(1, CX, H, W));
            float[] alpha = out.get(1).toFloatArray();
            float[] gated = out.get(0).toFloatArray();
            for (int p = 0; p < H * W; p++) {
                assertThat((double) alpha[p]).as("α at pixel %d", p).isCloseTo(expectedAlpha[p], within(1e-6));
                for (int c = 0; c < CX; c++) {
                    assertThat((double) gated[c * H * W + p]).as("α·F channel %d pixel %d", c, p)
                            .isCloseTo(expectedAlpha[p] * f[c * H * W + p], within(1e-6));
                }
            }
        }
    }

    @Test
    void dotProductGateIsSigmoidOfScaledDotProductOfProjections() {
        float[] wq = TestSupport.randomFloats(21, D * CG);
        float[] bq = TestSupport.randomFloats(22, D);
        float[] wk = TestSupport.randomFloats(23, D * CX);
        float[] bk = TestSupport.randomFloats(24, D);
        double[] expected = new double[H * W];
        for (int p = 0; p < H * W; p++) {
            double dot = 0;
            for (int c = 0; c < D; c++) {
                dot += project(g, CG, wq, bq, c, p) * project(f, CX, wk, bk, c, p);
            }
            expected[p] = sigmoid(dot / Math.sqrt(D));
        }
        try (NDManager m = TestSupport.cpuManager()) {
            DotProductAttentionGate gate = new DotProductAttentionGate(D);
            gate.initialize(m, DataType.FLOAT32, new Shape(1, CG, H, W), new Shape(1, CX, H, W));
            TestSupport.setParameter(child(gate, "query"), "weight", wq);
            TestSupport.setParameter(child(gate, "query"), "bias", bq);
            TestSupport.setParameter(child(gate, "key"), "weight", wk);
            TestSupport.setParameter(child(gate, "key"), "bias", bk);
            assertGate(gate, expected);
        }
    }

    @Test
    void additiveGateIsSigmoidOfPsiOfReluOfSummedProjections() {
        float[] wg = TestSupport.randomFloats(31, D * CG);
        float[] b = TestSupport.randomFloats(32, D);
        float[] wx = TestSupport.randomFloats(33, D * CX);
        float[] psi = TestSupport.randomFloats(34, D);
        float[] bpsi = TestSupport.randomFloats(35, 1);
        double[] expected = new double[H * W];
        for (int p = 0; p < H * W; p++) {
            double s = bpsi[0];
            for (int c = 0; c < D; c++) {
                s += psi[c] * Math.max(0, project(g, CG, wg, b, c, p) + project(f, CX, wx, null, c, p));
            }
            expected[p] = sigmoid(s);
        }
        try (NDManager m = TestSupport.cpuManager()) {
            AdditiveAttentionGate gate = new AdditiveAttentionGate(D);
            gate.initialize(m, DataType.FLOAT32, new Shape(1, CG, H, W), new Shape(1, CX, H, W));
            TestSupport.setParameter(child(gate, "gating"), "weight", wg);
            TestSupport.setParameter(child(gate, "gating"), "bias", b);
            TestSupport.setParameter(child(gate, "skip"), "weight", wx);
            assertThat(child(gate, "skip").getParameters().get("bias")).as("W_x has no bias").isNull();
            TestSupport.setParameter(child(gate, "psi"), "weight", psi);
            TestSupport.setParameter(child(gate, "psi"), "bias", bpsi);
            assertGate(gate, expected);
        }
    }

    @Test
    void gatesRejectMismatchedResolutions() {
        try (NDManager m = TestSupport.cpuManager()) {
            DotProductAttentionGate gate = new DotProductAttentionGate(D);
            gate.initialize(m, DataType.FLOAT32, new Shape(1, CG, H, W), new Shape(1, CX, H, W));
            assertThatThrownBy(() -> gate.forward(new ParameterStore(m, false), new NDList(
                    m.zeros(new Shape(1, CG, H, W)), m.zeros(new Shape(1, CX, 2 * H, 2 * W))), false))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
