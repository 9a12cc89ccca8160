package io.liverseg.model.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.liverseg.model.TestSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UpConv2x2Test {

    private static final int N = 2;
    private static final int C_IN = 3;
    private static final int C_OUT = 2;
    private static final int H = 3;
    private static final int W = 4;

    /** out[n, co, 2y+dy, 2x+dx] = b[co] + Σ_ci in[n, ci, y, x]·W[ci, co, dy, dx], by loops. */
    static float[] transposedConv(float[] in, float[] w, float[] b) {
        float[] out = new float[N * C_OUT * 2 * H * 2 * W];
        for (int n = 0; n < N; n++) {
            for (int co = 0; co < C_OUT; co++) {
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        for (int dy = 0; dy < 2; dy++) {
                            for (int dx = 0; dx < 2; dx++) {
                                double acc = b[co];
                                for (int ci = 0; ci < C_IN; ci++) {
                                    acc += in[((n * C_IN + ci) * H + y) * W + x]
                                            * w[((ci * C_OUT + co) * 2 + dy) * 2 + dx];
                                }
                                out[((n * C_OUT + co) * 2 * H + 2 * y + dy) * 2 * W + 2 * x + dx] = (float) acc;
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "channelsLast={0}")
    @ValueSource(booleans = {false, true})
    void equalsTheTransposedConvolutionComputedByHand(boolean channelsLast) {
        float[] in = TestSupport.randomFloats(1, N * C_IN * H * W);
        float[] w = TestSupport.randomFloats(2, C_IN * C_OUT * 4);
        float[] b = TestSupport.randomFloats(3, C_OUT);
        float[] expected = transposedConv(in, w, b);
        try (NDManager m = TestSupport.cpuManager()) {
            UpConv2x2 up = new UpConv2x2(C_OUT, channelsLast);
            up.initialize(m, DataType.FLOAT32, new Shape(N, C_IN, H, W));
            up.setTransposedConvWeights(m.create(w, new Shape(C_IN, C_OUT, 2, 2)), m.create(b));
            NDArray x = m.create(in, new Shape(N, C_IN, H, W));
            // Also feed NHWC-stored input, as the network does: the values must not change.
            for (NDArray input : new NDArray[] {x, MemoryLayout.toChannelsLast(x)}) {
                NDArray out = up.forward(new ParameterStore(m, false), new NDList(input), false).head();
                assertThat(out.getShape()).isEqualTo(new Shape(N, C_OUT, 2 * H, 2 * W));
                float[] actual = MemoryLayout.toContiguous(out).toFloatArray();
                for (int i = 0; i < expected.length; i++) {
                    assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(1e-5f));
                }
            }
            assertThat(TestSupport.trainableParameters(up)).as("same as ConvTranspose2d(3, 2, 2, 2)")
                    .isEqualTo(C_IN * C_OUT * 4 + C_OUT);
        }
    }

    @ParameterizedTest(name = "channelsLast={0}")
    @ValueSource(booleans = {false, true})
    void depthToSpaceMovesChannelCTimesFourPlusOffsetToThatOffset(boolean channelsLast) {
        try (NDManager m = TestSupport.cpuManager()) {
            // value = channel·100 + y·10 + x, for 2 output channels (8 tap channels) on a 2×3 grid
            float[] v = new float[8 * 2 * 3];
            for (int ch = 0; ch < 8; ch++) {
                for (int y = 0; y < 2; y++) {
                    for (int x = 0; x < 3; x++) {
                        v[(ch * 2 + y) * 3 + x] = ch * 100 + y * 10 + x;
                    }
                }
            }
            NDArray taps = m.create(v, new Shape(1, 8, 2, 3));
            NDArray out = channelsLast
                    ? MemoryLayout.depthToSpaceChannelsLast(MemoryLayout.toChannelsLast(taps), 2)
                    : UpConv2x2.depthToSpace(taps, 2);
            assertThat(out.getShape()).isEqualTo(new Shape(1, 2, 4, 6));
            for (int c = 0; c < 2; c++) {
                for (int y = 0; y < 2; y++) {
                    for (int x = 0; x < 3; x++) {
                        for (int dy = 0; dy < 2; dy++) {
                            for (int dx = 0; dx < 2; dx++) {
                                float got = out.getFloat(0, c, 2 * y + dy, 2 * x + dx);
                                assertThat(got).isEqualTo((c * 4 + dy * 2 + dx) * 100 + y * 10 + x);
                            }
                        }
                    }
                }
            }
        }
    }
}
