package io.liverseg.model.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.liverseg.model.TestSupport;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AttentionResUNetTest {

    /**
     * Independent count of the trainable parameters the design implies: residual blocks with biased
     * 3×3 convs, BN γ/β and a biased 1×1 shortcut when channels change; 2×2 up-convs to the skip's
     * channels; gates with d = skip/2; a biased 1×1 head.
     */
    static long expectedTrainable(UNetConfig c) {
        long p = 0;
        int in = c.inputChannels();
        for (int i = 0; i < c.levels(); i++) {
            p += residual(in, c.features(i));
            in = c.features(i);
        }
        for (int i = c.levels() - 2; i >= 0; i--) {
            long f = c.features(i);
            long below = c.features(i + 1);
            long d = f / 2;
            p += 4 * below * f + f;
            p += c.attention() == AttentionType.DOT_PRODUCT
                    ? 2 * (f * d + d)                    // W_q, b_q, W_k, b_k
                    : (f * d + d) + f * d + (d + 1);      // W_g + b, W_x, ψ + b_ψ
            p += residual(2 * f, f);
        }
        return p + (long) c.features(0) * c.classes() + c.classes();
    }

    private static long residual(long in, long out) {
        long p = 9 * in * out + out + 2 * out + 9 * out * out + out + 2 * out;
        return in == out ? p : p + in * out + out;
    }

    private static AttentionResUNetBlock initialized(NDManager m, UNetConfig c, long size) {
        AttentionResUNetBlock net = AttentionResUNet.builder().fromConfig(c).build();
        net.initialize(m, DataType.FLOAT32, new Shape(1, c.inputChannels(), size, size));
        return net;
    }

    @ParameterizedTest(name = "{0}² with {1} input channel(s)")
    @CsvSource({"256, 1", "256, 3", "512, 1", "512, 3"})
    void logitsHaveOneChannelPerClassAtInputResolution(int size, int channels) {
        try (NDManager m = TestSupport.cpuManager()) {
            UNetConfig c = new UNetConfig(channels, 3, 8, 5, AttentionType.DOT_PRODUCT);
            AttentionResUNetBlock net = initialized(m, c, size);
            NDList out = net.forward(new ParameterStore(m, false), new NDList(m.randomNormal(
                    new Shape(1, channels, size, size))), false);
            assertThat(out).hasSize(1);
            assertThat(out.head().getShape()).isEqualTo(new Shape(1, 3, size, size));
            assertThat(net.getOutputShapes(new Shape[] {new Shape(1, channels, size, size)}))
                    .containsExactly(new Shape(1, 3, size, size));
            assertThat(out.head().isNaN().any().getBoolean()).isFalse();
        }
    }

    @Test
    void attentionMapsAreReturnedOnRequestFinestFirstWithValuesInUnitInterval() {
        try (NDManager m = TestSupport.cpuManager()) {
            AttentionResUNetBlock net = initialized(m, UNetConfig.liver(), 64);
            NDArray x = m.randomNormal(new Shape(2, 1, 64, 64));
            NDList out = net.forwardWithAttention(new ParameterStore(m, false), new NDList(x), false);
            assertThat(out).hasSize(5);
            assertThat(out.head().getShape()).isEqualTo(new Shape(2, 3, 64, 64));
            for (int i = 0; i < 4; i++) {
                NDArray alpha = out.get(i + 1);
                long side = 64 >> i;
                assertThat(alpha.getShape()).as("α_%d", i).isEqualTo(new Shape(2, 1, side, side));
                assertThat(alpha.min().getFloat()).as("min α_%d", i).isGreaterThanOrEqualTo(0f);
                assertThat(alpha.max().getFloat()).as("max α_%d", i).isLessThanOrEqualTo(1f);
            }
            // The flag changes only what is returned, not the logits.
            NDList plain = net.forward(new ParameterStore(m, false), new NDList(x), false);
            assertThat(plain).hasSize(1);
            assertThat(plain.head().allClose(out.head(), 1e-6, 1e-6, false)).isTrue();
        }
    }

    @Test
    void additiveGateNetworkAlsoReturnsMapsInUnitInterval() {
        try (NDManager m = TestSupport.cpuManager()) {
            UNetConfig c = new UNetConfig(1, 2, 4, 3, AttentionType.ADDITIVE);
            AttentionResUNetBlock net = initialized(m, c, 16);
            NDList out = net.forwardWithAttention(new ParameterStore(m, false),
                    new NDList(m.randomNormal(new Shape(1, 1, 16, 16))), false);
            assertThat(out).hasSize(3);
            assertThat(out.get(1).getShape()).isEqualTo(new Shape(1, 1, 16, 16));
            assertThat(out.get(2).getShape()).isEqualTo(new Shape(1, 1, 8, 8));
            assertThat(out.get(1).min().getFloat()).isGreaterThanOrEqualTo(0f);
            assertThat(out.get(1).max().getFloat()).isLessThanOrEqualTo(1f);
        }
    }

    @Test
    void liverModelHasAbout515kParameters() {
        try (NDManager m = TestSupport.cpuManager()) {
            AttentionResUNetBlock net = initialized(m, UNetConfig.liver(), 32);
            long trainable = TestSupport.trainableParameters(net);
            long all = TestSupport.allParameters(net);
            System.out.printf("liver model (base 8, 3 classes, 1 input channel): %d trainable parameters,"
                    + " %d including batch-norm running statistics%n", trainable, all);
            assertThat(trainable).isEqualTo(expectedTrainable(UNetConfig.liver())).isEqualTo(514_859L);
            // "about 515 k": 141 fewer (0.03 %). Tolerance 0.1 % (515), below the effect of every structural
            // alternative (no bias before BN −736, BN on shortcuts +736, d = C/4 −2 780, d = C +5 560).
            assertThat((double) trainable).isCloseTo(515_000, within(515.0));
            assertThat(all - trainable).as("BN running mean + variance").isEqualTo(2L * 736);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "1, 3, 8, 5, ADDITIVE",
        "1, 3, 16, 5, DOT_PRODUCT",
        "3, 3, 8, 5, DOT_PRODUCT",
        "1, 2, 4, 3, DOT_PRODUCT"
    })
    void parameterCountMatchesTheArchitecture(int in, int classes, int base, int levels, AttentionType att) {
        UNetConfig c = new UNetConfig(in, classes, base, levels, att);
        try (NDManager m = TestSupport.cpuManager()) {
            assertThat(TestSupport.trainableParameters(initialized(m, c, 32))).isEqualTo(expectedTrainable(c));
        }
    }

    @Test
    void vesselModelHasAbout2Point05MillionParameters() {
        assertThat(expectedTrainable(UNetConfig.vessel())).isEqualTo(2_053_587L);
    }

    @Test
    void channelsLastExecutionGivesTheSameLogitsAndMapsAsNchw() {
        try (NDManager m = TestSupport.cpuManager()) {
            m.getEngine().setRandomSeed(5);
            UNetConfig c = UNetConfig.liver();
            AttentionResUNetBlock nhwc = AttentionResUNet.builder().fromConfig(c).optChannelsLast(true).build();
            AttentionResUNetBlock nchw = AttentionResUNet.builder().fromConfig(c).optChannelsLast(false).build();
            Shape in = new Shape(2, 1, 32, 32);
            nhwc.initialize(m, DataType.FLOAT32, in);
            nchw.initialize(m, DataType.FLOAT32, in);
            List<Parameter> a = nhwc.getParameters().values();
            List<Parameter> b = nchw.getParameters().values();
            assertThat(nhwc.getParameters().keys()).isEqualTo(nchw.getParameters().keys());
            for (int i = 0; i < a.size(); i++) {
                a.get(i).getArray().copyTo(b.get(i).getArray());
            }
            NDArray x = TestSupport.random(m, 6, 2, 1, 32, 32);
            for (boolean training : new boolean[] {false, true}) {
                NDList p = nhwc.forwardWithAttention(new ParameterStore(m, false), new NDList(x), training);
                NDList q = nchw.forwardWithAttention(new ParameterStore(m, false), new NDList(x), training);
                assertThat(p).hasSize(q.size());
                // Different kernels sum in a different order; with He-initialized weights the logits reach
                // ~10², so compare them relative to their scale. α = sigmoid(q·k/√d) with q·k in the
                // hundreds amplifies that rounding to ~1e-4; a layout error would move α by O(0.1).
                float scale = Math.max(1f, q.head().abs().max().getFloat());
                assertThat(p.head().sub(q.head()).abs().max().getFloat() / scale).as("logits, training=%s", training)
                        .isLessThan(1e-4f);
                for (int i = 1; i < p.size(); i++) {
                    assertThat(p.get(i).sub(q.get(i)).abs().max().getFloat()).as("α_%d, training=%s", i - 1, training)
                            .isLessThan(1e-3f);
                }
            }
        }
    }

    @Test
    void childrenAreNamedAfterTheirRole() {
        AttentionResUNetBlock net = AttentionResUNet.builder().setClasses(3).build();
        List<String> names = net.getChildren().keys();
        assertThat(names).hasSize(5 + 4 * 3 + 1);
        assertThat(String.join(",", names)).contains("enc0", "enc4", "up3", "att3", "dec3", "up0", "att0", "dec0",
                "head");
        assertThat(net.getChildren().values().get(0)).isInstanceOf(ResidualBlock.class);
    }

    @Test
    void builderUsesTheLiverDefaultsAndRoundTripsAConfig() {
        assertThat(AttentionResUNet.builder().setClasses(3).toConfig()).isEqualTo(UNetConfig.liver());
        UNetConfig vessel = UNetConfig.vessel();
        AttentionResUNetBlock net = AttentionResUNet.builder().fromConfig(vessel).build();
        assertThat(net.config()).isEqualTo(vessel);
        UNetConfig custom = AttentionResUNet.builder().setClasses(2).optInputChannels(3).optBaseFeatures(16)
                .optLevels(4).optAttention(AttentionType.ADDITIVE).toConfig();
        assertThat(custom).isEqualTo(new UNetConfig(3, 2, 16, 4, AttentionType.ADDITIVE));
    }

    @Test
    void builderRejectsMissingOrInvalidSettings() {
        assertThatThrownBy(() -> AttentionResUNet.builder().build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("setClasses");
        assertThatThrownBy(() -> AttentionResUNet.builder().setClasses(3).optLevels(1).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AttentionResUNet.builder().setClasses(3).optBaseFeatures(1).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AttentionResUNet.builder().setClasses(0).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AttentionResUNet.builder().setClasses(3).optInputChannels(0).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AttentionResUNet.builder().setClasses(3).optAttention(null).build())
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void inputsThatCannotBePooledFourTimesAreRejected() {
        try (NDManager m = TestSupport.cpuManager()) {
            AttentionResUNetBlock net = initialized(m, UNetConfig.liver(), 32);
            ParameterStore ps = new ParameterStore(m, false);
            assertThatThrownBy(() -> net.forward(ps, new NDList(m.zeros(new Shape(1, 1, 40, 40))), false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiples of 16");
            assertThatThrownBy(() -> net.forward(ps, new NDList(m.zeros(new Shape(1, 3, 32, 32))), false))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
