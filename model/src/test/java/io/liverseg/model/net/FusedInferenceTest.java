package io.liverseg.model.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.liverseg.model.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FusedInferenceTest {

    /** Gives every batch norm non-trivial statistics and affine parameters, as training would. */
    private static void randomizeBatchNorms(AttentionResUNetBlock net) {
        long seed = 100;
        for (var entry : net.getParameters()) {
            Parameter p = entry.getValue();
            NDArray a = p.getArray();
            int n = Math.toIntExact(a.size());
            float[] v = TestSupport.randomFloats(seed++, n);
            switch (p.getType()) {
                case GAMMA, RUNNING_VAR -> {
                    for (int i = 0; i < n; i++) {
                        v[i] = 0.5f + Math.abs(v[i]); // positive scale and variance
                    }
                    a.set(v);
                }
                case BETA, RUNNING_MEAN, BIAS -> a.set(v);
                default -> { }
            }
        }
    }

    @ParameterizedTest(name = "channelsLast={0}")
    @ValueSource(booleans = {true, false})
    void foldedNetworkGivesTheSameLogitsAndAttentionAsTheInferenceForward(boolean channelsLast) {
        try (NDManager m = TestSupport.cpuManager()) {
            m.getEngine().setRandomSeed(7); // deterministic He initialization
            AttentionResUNetBlock net = AttentionResUNet.builder().setClasses(3).optChannelsLast(channelsLast).build();
            net.initialize(m, DataType.FLOAT32, new Shape(2, 1, 32, 32));
            randomizeBatchNorms(net);
            NDArray x = TestSupport.random(m, 8, 2, 1, 32, 32);
            NDList expected = net.forwardWithAttention(new ParameterStore(m, false), new NDList(x), false);
            try (FusedInference fused = FusedInference.of(net, m)) {
                NDList actual = fused.forward(x, true);
                assertThat(actual).hasSize(expected.size());
                float scale = Math.max(1f, expected.head().abs().max().getFloat());
                float diff = actual.head().sub(expected.head()).abs().max().getFloat();
                assertThat(diff / scale).as("logits, relative to their scale").isLessThan(1e-4f);
                for (int i = 1; i < expected.size(); i++) {
                    // α = sigmoid(q·k/√d) with q·k in the hundreds for random weights amplifies float
                    // rounding to ~1e-4; a folding error would move α by O(0.1).
                    assertThat(actual.get(i).sub(expected.get(i)).abs().max().getFloat()).as("α_%d", i - 1)
                            .isLessThan(1e-3f);
                }
                assertThat(fused.forward(x)).hasSize(1);
            }
        }
    }

    @Test
    void randomizedStatisticsReallyChangeTheOutput() {
        // Guards the test above: randomized statistics really change the output, so equality is meaningful.
        try (NDManager m = TestSupport.cpuManager()) {
            m.getEngine().setRandomSeed(7);
            AttentionResUNetBlock net = AttentionResUNet.builder().setClasses(3).build();
            net.initialize(m, DataType.FLOAT32, new Shape(1, 1, 32, 32));
            NDArray x = TestSupport.random(m, 9, 1, 1, 32, 32);
            NDArray before = net.forward(new ParameterStore(m, false), new NDList(x), false).head();
            randomizeBatchNorms(net);
            NDArray after = net.forward(new ParameterStore(m, false), new NDList(x), false).head();
            assertThat(after.sub(before).abs().max().getFloat()).isGreaterThan(1e-2f);
        }
    }

    @Test
    void refusesAnUninitializedNetwork() {
        try (NDManager m = TestSupport.cpuManager()) {
            AttentionResUNetBlock net = AttentionResUNet.builder().setClasses(3).build();
            assertThatThrownBy(() -> FusedInference.of(net, m)).isInstanceOf(IllegalStateException.class);
        }
    }
}
