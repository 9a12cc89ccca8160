package io.liverseg.model.net;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.liverseg.model.TestSupport;
import org.junit.jupiter.api.Test;

class ResidualBlockTest {

    private static Block child(Block block, String suffix) {
        var children = block.getChildren();
        for (int i = 0; i < children.size(); i++) {
            if (children.keys().get(i).endsWith(suffix)) {
                return children.values().get(i);
            }
        }
        return null;
    }

    @Test
    void withAZeroResidualBranchTheOutputIsReluOfTheIdentityShortcut() {
        try (NDManager m = TestSupport.cpuManager()) {
            ResidualBlock block = new ResidualBlock(4, 4);
            block.initialize(m, DataType.FLOAT32, new Shape(1, 4, 5, 5));
            assertThat(child(block, "shortcut")).as("identity shortcut when channels agree").isNull();
            // F(x) = BN2(conv2(...)) with conv2 ≡ 0, β = 0 and inference statistics (mean 0, var 1) is 0,
            // so y = ReLU(x + 0): negative inputs must come out as 0 (the ReLU follows the addition).
            Block conv2 = child(block, "conv2");
            TestSupport.setParameter(conv2, "weight", new float[4 * 4 * 9]);
            TestSupport.setParameter(conv2, "bias", new float[4]);
            NDArray x = TestSupport.random(m, 5, 1, 4, 5, 5);
            NDArray y = block.forward(new ParameterStore(m, false), new NDList(x), false).head();
            assertThat(y.allClose(Activation.relu(x), 1e-6, 1e-6, false)).isTrue();
            assertThat(x.min().getFloat()).isNegative();
        }
    }

    @Test
    void channelChangeUsesAOneByOneShortcutAndKeepsResolution() {
        try (NDManager m = TestSupport.cpuManager()) {
            ResidualBlock block = new ResidualBlock(3, 8);
            block.initialize(m, DataType.FLOAT32, new Shape(2, 3, 6, 6));
            Block shortcut = child(block, "shortcut");
            assertThat(shortcut).isNotNull();
            assertThat(shortcut.getParameters().get("weight").getArray().getShape()).isEqualTo(new Shape(8, 3, 1, 1));
            NDArray y = block.forward(new ParameterStore(m, false), new NDList(TestSupport.random(m, 6, 2, 3, 6, 6)),
                    false).head();
            assertThat(y.getShape()).isEqualTo(new Shape(2, 8, 6, 6));
            assertThat(y.min().getFloat()).as("post-activation output").isGreaterThanOrEqualTo(0f);
        }
    }
}
