package io.liverseg.model.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.liverseg.model.TestSupport;
import org.junit.jupiter.api.Test;

class NetworkCostTest {

    /** Independent MAC count of the liver model per H×W slice (per-layer sums written out by hand). */
    static long expectedMacs(long h, long w) {
        int[] f = {8, 16, 32, 64, 128};
        long macs = 0;
        long in = 1;
        for (int i = 0; i < 5; i++) {
            long px = (h >> i) * (w >> i);
            macs += px * (9 * in * f[i] + 9L * f[i] * f[i] + in * f[i]); // conv1, conv2, 1×1 shortcut
            in = f[i];
        }
        for (int i = 3; i >= 0; i--) {
            long px = (h >> i) * (w >> i);
            long lowPx = px / 4;
            long d = f[i] / 2;
            macs += lowPx * 4L * f[i + 1] * f[i];               // up-conv taps
            macs += px * (2L * f[i] * d + d);                   // q, k projections and q·k
            macs += px * (9L * 2 * f[i] * f[i] + 9L * f[i] * f[i] + 2L * f[i] * f[i]); // residual on concat
        }
        return macs + h * w * 8 * 3; // head
    }

    @Test
    void liverModelCostsAbout0Point817GmacPerSliceAt256() {
        try (NDManager m = TestSupport.cpuManager()) {
            AttentionResUNetBlock net = AttentionResUNet.builder().setClasses(3).build();
            net.initialize(m, DataType.FLOAT32, new Shape(1, 1, 64, 64));
            long macs = NetworkCost.macsPerSample(net, 256, 256);
            System.out.printf("liver model: %d MAC per 256² slice (%.3f GMAC, %.3f GFLOP)%n", macs, macs / 1e9,
                    2 * macs / 1e9);
            assertThat(macs).isEqualTo(expectedMacs(256, 256));
            assertThat(macs / 1e9).isCloseTo(0.817, within(0.0005));
            assertThat(NetworkCost.macsPerSample(net, 512, 512)).isEqualTo(4 * macs);
            assertThat(NetworkCost.macsPerSample(net)).isEqualTo(expectedMacs(64, 64));
        }
    }

    @Test
    void uninitializedBlocksHaveNoCost() {
        assertThatThrownBy(() -> NetworkCost.macsPerSample(AttentionResUNet.builder().setClasses(3).build()))
                .isInstanceOf(IllegalStateException.class);
    }
}
