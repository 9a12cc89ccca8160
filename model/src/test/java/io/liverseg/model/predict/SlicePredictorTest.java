package io.liverseg.model.predict;

import static io.liverseg.model.predict.TestTimeAugmentation.FLIP;
import static io.liverseg.model.predict.TestTimeAugmentation.NONE;
import static io.liverseg.model.predict.TestTimeAugmentation.SHIFT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.liverseg.model.DjlEnvironment;
import io.liverseg.model.net.AttentionResUNet;
import io.liverseg.model.net.AttentionResUNetBlock;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A batch larger than the forward batch runs as chunks whose results land where each chunk's slices are. */
class SlicePredictorTest {
    private static final int C = 1;
    private static final int H = 32;
    private static final int W = 32;
    private static final int PER_SLICE = C * H * W;

    private static Model model;
    private static AttentionResUNetBlock block;

    @BeforeAll
    static void untrainedNetwork() {
        DjlEnvironment.init();
        DjlEnvironment.engine().setRandomSeed(3);
        block = AttentionResUNet.builder().fromConfig(SegmenterTest.TINY).build();
        model = Model.newInstance("unet", Device.cpu(), DjlEnvironment.engine().getEngineName());
        model.setBlock(block);
        block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, C, H, W));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static float[] slices(int n) {
        Random random = new Random(11);
        float[] data = new float[n * PER_SLICE];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        return data;
    }

    @Test
    void labelsOfAChunkedBatchAreEachChunkPredictedAlone() {
        float[] data = slices(5);
        SlicePredictor chunked = new SlicePredictor(model, block, 2);
        byte[] labels = chunked.predict(data, 5, C, H, W, NONE);

        SlicePredictor whole = new SlicePredictor(model, block, 64);
        byte[] expected = new byte[5 * H * W];
        int[][] chunks = {{0, 2}, {2, 2}, {4, 1}};
        for (int[] chunk : chunks) {
            float[] part = Arrays.copyOfRange(data, chunk[0] * PER_SLICE, (chunk[0] + chunk[1]) * PER_SLICE);
            byte[] l = whole.predict(part, chunk[1], C, H, W, NONE);
            System.arraycopy(l, 0, expected, chunk[0] * H * W, l.length);
        }
        assertThat(labels).isEqualTo(expected);
        // an untrained net still separates the slices: a mix-up of chunks would not go unnoticed
        assertThat(Arrays.copyOfRange(labels, 0, H * W)).isNotEqualTo(Arrays.copyOfRange(labels, 4 * H * W, 5 * H * W));
    }

    @Test
    void probabilitiesOfAChunkedBatchAreEachChunkPredictedAlone() {
        float[] data = slices(3);
        SlicePredictor.Probabilities chunked = new SlicePredictor(model, block, 2).predictProbabilities(data, 3, C,
                H, W, FLIP);
        SlicePredictor whole = new SlicePredictor(model, block, 64);
        SlicePredictor.Probabilities first = whole.predictProbabilities(Arrays.copyOfRange(data, 0, 2 * PER_SLICE), 2,
                C, H, W, FLIP);
        SlicePredictor.Probabilities last = whole.predictProbabilities(Arrays.copyOfRange(data, 2 * PER_SLICE,
                3 * PER_SLICE), 1, C, H, W, FLIP);
        int classes = chunked.classes();
        assertThat(classes).isEqualTo(SegmenterTest.TINY.classes());
        byte[] labels = new byte[3 * H * W];
        System.arraycopy(first.labels(), 0, labels, 0, 2 * H * W);
        System.arraycopy(last.labels(), 0, labels, 2 * H * W, H * W);
        byte[] quantised = new byte[3 * classes * H * W];
        System.arraycopy(first.quantised(), 0, quantised, 0, 2 * classes * H * W);
        System.arraycopy(last.quantised(), 0, quantised, 2 * classes * H * W, classes * H * W);
        assertThat(chunked.labels()).isEqualTo(labels);
        assertThat(chunked.quantised()).isEqualTo(quantised);
    }

    @Test
    void passesRunSideBySideInLanesGiveTheLabelsAndProbabilitiesOfOnePassAfterAnother() {
        float[] data = slices(7);
        // 7 slices, forward batch 2: passes {0,1} {2,3} {4,5} {6} whether one or three run at once
        SlicePredictor oneAtATime = new SlicePredictor(model, block, 2, 1);
        SlicePredictor threeAtOnce = new SlicePredictor(model, block, 2, 3);
        assertThat(threeAtOnce.lanes()).isEqualTo(3);

        assertThat(threeAtOnce.predict(data, 7, C, H, W, NONE)).isEqualTo(oneAtATime.predict(data, 7, C, H, W, NONE));
        // the passes did not all run on this thread
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .contains(SlicePredictor.LANE_THREAD);
        SlicePredictor.Probabilities expected = oneAtATime.predictProbabilities(data, 7, C, H, W, NONE);
        SlicePredictor.Probabilities got = threeAtOnce.predictProbabilities(data, 7, C, H, W, NONE);
        assertThat(got.labels()).isEqualTo(expected.labels());
        assertThat(got.quantised()).isEqualTo(expected.quantised());
    }

    @Test
    void queuedCallsGiveTheLabelsOfTheirOwnCallsInTheirOwnTimeSpans() throws Exception {
        SlicePredictor queued = new SlicePredictor(model, block, 2, 2);
        SlicePredictor alone = new SlicePredictor(model, block, 2, 1);
        float[] seven = slices(7);
        float[] three = Arrays.copyOfRange(slices(9), 6 * PER_SLICE, 9 * PER_SLICE);
        // both queued before either is done: the second call's passes wait behind the first's
        CompletableFuture<SlicePredictor.Queued> a = queued.predictQueued(seven, 7, C, H, W, NONE);
        CompletableFuture<SlicePredictor.Queued> b = queued.predictQueued(three, 3, C, H, W, FLIP);
        SlicePredictor.Queued first = a.get(60, TimeUnit.SECONDS);
        SlicePredictor.Queued second = b.get(60, TimeUnit.SECONDS);
        assertThat(first.labels()).isEqualTo(alone.predict(seven, 7, C, H, W, NONE));
        assertThat(second.labels()).isEqualTo(alone.predict(three, 3, C, H, W, FLIP));
        assertThat(first.startedNanos()).isLessThan(first.endedNanos());
        assertThat(second.startedNanos()).isGreaterThanOrEqualTo(first.startedNanos()).isLessThan(second.endedNanos());
    }

    @Test
    void aQueuedCallWhosePassFailsFailsAndTheLanesGoOn() throws Exception {
        SlicePredictor queued = new SlicePredictor(model, block, 2, 2);
        // one channel too many for the network: every pass fails inside the engine
        CompletableFuture<SlicePredictor.Queued> bad = queued.predictQueued(new float[3 * 2 * H * W], 3, 2, H, W,
                NONE);
        assertThatThrownBy(() -> bad.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        float[] data = slices(3);
        assertThat(queued.predictQueued(data, 3, C, H, W, NONE).get(60, TimeUnit.SECONDS).labels())
                .isEqualTo(new SlicePredictor(model, block, 2, 1).predict(data, 3, C, H, W, NONE));
    }

    @Test
    void aCallWithFewerSlicesThanTheLanesCanTakeIsSplitEvenly() {
        assertThat(SlicePredictor.passSize(32, 8, 2)).isEqualTo(8);
        assertThat(SlicePredictor.passSize(12, 8, 2)).isEqualTo(6);
        assertThat(SlicePredictor.passSize(13, 8, 2)).isEqualTo(7);
        assertThat(SlicePredictor.passSize(12, 8, 1)).isEqualTo(8);
        assertThat(SlicePredictor.passSize(1, 8, 2)).isEqualTo(1);
        assertThat(SlicePredictor.passSize(3, 8, 4)).isEqualTo(1);

        // 4 slices in 2 lanes: two passes of 2, each the same as that pass alone
        float[] data = slices(4);
        byte[] labels = new SlicePredictor(model, block, 8, 2).predict(data, 4, C, H, W, NONE);
        SlicePredictor alone = new SlicePredictor(model, block, 8, 1);
        byte[] expected = new byte[4 * H * W];
        System.arraycopy(alone.predict(Arrays.copyOfRange(data, 0, 2 * PER_SLICE), 2, C, H, W, NONE), 0, expected, 0,
                2 * H * W);
        System.arraycopy(alone.predict(Arrays.copyOfRange(data, 2 * PER_SLICE, 4 * PER_SLICE), 2, C, H, W, NONE), 0,
                expected, 2 * H * W, 2 * H * W);
        assertThat(labels).isEqualTo(expected);
    }

    @Test
    void shiftedMovesEveryPlaneAndRepeatsTheEdgeIntoTheGap() {
        float[] plane = {1, 2, 3, 4, 5, 6};   // 2 rows of 3
        float[] two = new float[12];
        System.arraycopy(plane, 0, two, 0, 6);
        for (int i = 0; i < 6; i++) {
            two[6 + i] = 10 * plane[i];
        }
        assertThat(SlicePredictor.shifted(two, 2, 2, 3, 1, 0))
                .containsExactly(1, 1, 2, 4, 4, 5, 10, 10, 20, 40, 40, 50);
        assertThat(SlicePredictor.shifted(plane, 1, 2, 3, -2, 0)).containsExactly(3, 3, 3, 6, 6, 6);
        assertThat(SlicePredictor.shifted(plane, 1, 2, 3, 0, 1)).containsExactly(1, 2, 3, 1, 2, 3);
        assertThat(SlicePredictor.shifted(plane, 1, 2, 3, 0, -1)).containsExactly(4, 5, 6, 4, 5, 6);
    }

    @Test
    void shiftAugmentationIsTheMeanOfTheShiftedPassesMappedBack() {
        float[] data = slices(2);
        int s = TestTimeAugmentation.SHIFT_PIXELS;
        int[][] moves = {{0, 0}, {s, 0}, {-s, 0}, {0, s}, {0, -s}};
        SlicePredictor p = new SlicePredictor(model, block, 8, 1);
        int classes = SegmenterTest.TINY.classes();
        // each copy made independently of SlicePredictor.shifted: pixel (x, y) of a copy is (x - dx, y - dy) clamped
        float[][] copies = new float[moves.length][];
        for (int v = 0; v < moves.length; v++) {
            float[] moved = new float[data.length];
            for (int plane = 0; plane < 2 * C; plane++) {
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        int sx = Math.min(W - 1, Math.max(0, x - moves[v][0]));
                        int sy = Math.min(H - 1, Math.max(0, y - moves[v][1]));
                        moved[plane * H * W + y * W + x] = data[plane * H * W + sy * W + sx];
                    }
                }
            }
            copies[v] = dequantised(p.predictProbabilities(moved, 2, C, H, W, NONE).quantised());
        }
        SlicePredictor.Probabilities got = p.predictProbabilities(data, 2, C, H, W, SHIFT);
        byte[] expectedLabels = new byte[2 * H * W];
        for (int n = 0; n < 2; n++) {
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    double best = -1;
                    for (int c = 0; c < classes; c++) {
                        double sum = 0;
                        int seen = 0;
                        for (int v = 0; v < moves.length; v++) {
                            int cx = x + moves[v][0];
                            int cy = y + moves[v][1];
                            if (cx >= 0 && cx < W && cy >= 0 && cy < H) {
                                sum += copies[v][((n * classes + c) * H + cy) * W + cx];
                                seen++;
                            }
                        }
                        double mean = sum / seen;
                        int i = ((n * classes + c) * H + y) * W + x;
                        // each copy was quantised once above, the mean once by the predictor
                        assertThat((got.quantised()[i] & 0xff) / 255.0)
                                .as("class %d at (%d, %d) of slice %d", c, x, y, n)
                                .isCloseTo(mean, offset(2.5 / 255));
                        if (mean > best) {
                            best = mean;
                            expectedLabels[(n * H + y) * W + x] = (byte) c;
                        }
                    }
                }
            }
        }
        // labels are the argmax of the unquantised mean: the same as of the quantised copies except at near ties
        long differing = 0;
        for (int i = 0; i < expectedLabels.length; i++) {
            differing += expectedLabels[i] == got.labels()[i] ? 0 : 1;
        }
        assertThat(differing).isLessThanOrEqualTo(expectedLabels.length / 100);
        assertThat(p.predict(data, 2, C, H, W, SHIFT)).isEqualTo(got.labels());
        assertThat(got.labels()).isNotEqualTo(p.predict(data, 2, C, H, W, NONE));
    }

    private static float[] dequantised(byte[] q) {
        float[] f = new float[q.length];
        for (int i = 0; i < q.length; i++) {
            f[i] = (q[i] & 0xff) / 255f;
        }
        return f;
    }

    @Test
    void lanesBelowOneAreRefused() {
        assertThatThrownBy(() -> new SlicePredictor(model, block, 8, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lanes must be at least 1");
    }

    @Test
    void aBatchThatDoesNotMatchItsShapeOrAForwardBatchBelowOneIsRefused() {
        SlicePredictor p = new SlicePredictor(model, block, 8);
        assertThatThrownBy(() -> p.predict(new float[PER_SLICE * 2 - 1], 2, C, H, W, NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 slices of 1x32x32");
        assertThatThrownBy(() -> new SlicePredictor(model, block, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
    }
}
