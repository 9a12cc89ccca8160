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
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

class InputWideningTest {
    private static final UNetConfig ONE = new UNetConfig(1, 3, 4, 3, AttentionType.DOT_PRODUCT);
    private static final UNetConfig THREE = new UNetConfig(3, 3, 4, 3, AttentionType.DOT_PRODUCT);

    private static AttentionResUNetBlock initialized(NDManager m, UNetConfig c) {
        AttentionResUNetBlock net = AttentionResUNet.builder().fromConfig(c).build();
        net.initialize(m, DataType.FLOAT32, new Shape(1, c.inputChannels(), 32, 32));
        return net;
    }

    @Test
    void theWidenedNetworkIgnoresTheNeighboursAndComputesTheSameLogits() {
        try (NDManager m = TestSupport.cpuManager()) {
            AttentionResUNetBlock one = initialized(m, ONE);
            // every weight and batch-norm statistic non-trivial, so a parameter left uncopied changes the output
            java.util.Random r = new java.util.Random(7);
            for (Parameter p : one.getParameters().values()) {
                NDArray a = p.getArray();
                float[] v = new float[(int) a.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = p.getName().contains("Var") ? 0.5f + r.nextFloat() : (float) r.nextGaussian() * 0.3f;
                }
                a.set(FloatBuffer.wrap(v));
            }
            AttentionResUNetBlock three = initialized(m, THREE);
            InputWidening.copy(one, ONE, three, THREE);

            NDArray slice = m.randomNormal(new Shape(2, 1, 32, 32));
            NDArray withNeighbours = m.randomNormal(new Shape(2, 1, 32, 32))
                    .concat(slice, 1).concat(m.randomNormal(new Shape(2, 1, 32, 32)), 1);
            NDArray expected = one.forward(new ParameterStore(m, false), new NDList(slice), false).head();
            NDArray got = three.forward(new ParameterStore(m, false), new NDList(withNeighbours), false).head();
            assertThat(expected.abs().max().getFloat()).isGreaterThan(0.1f);
            assertThat(got.sub(expected).abs().max().getFloat()).isLessThan(1e-4f);
        }
    }

    @Test
    void otherArchitecturesAreRefused() {
        try (NDManager m = TestSupport.cpuManager()) {
            UNetConfig wider = new UNetConfig(3, 3, 8, 3, AttentionType.DOT_PRODUCT);
            assertThatThrownBy(() -> InputWidening.copy(initialized(m, ONE), ONE, initialized(m, wider), wider))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("beyond the input channels");
            assertThatThrownBy(() -> InputWidening.copy(initialized(m, THREE), THREE, initialized(m, THREE), THREE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("from 1 to 3");
        }
    }
}
