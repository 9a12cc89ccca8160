package io.liverseg.model.predict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.liverseg.model.DjlEnvironment;
import io.liverseg.model.net.AttentionResUNet;
import io.liverseg.model.net.AttentionResUNetBlock;
import java.util.Arrays;
import java.util.Random;
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
        byte[] labels = chunked.predict(data, 5, C, H, W, false);

        SlicePredictor whole = new SlicePredictor(model, block, 64);
        byte[] expected = new byte[5 * H * W];
        int[][] chunks = {{0, 2}, {2, 2}, {4, 1}};
        for (int[] chunk : chunks) {
            float[] part = Arrays.copyOfRange(data, chunk[0] * PER_SLICE, (chunk[0] + chunk[1]) * PER_SLICE);
            byte[] l = whole.predict(part, chunk[1], C, H, W, false);
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
                H, W, true);
        SlicePredictor whole = new SlicePredictor(model, block, 64);
        SlicePredictor.Probabilities first = whole.predictProbabilities(Arrays.copyOfRange(data, 0, 2 * PER_SLICE), 2,
                C, H, W, true);
        SlicePredictor.Probabilities last = whole.predictProbabilities(Arrays.copyOfRange(data, 2 * PER_SLICE,
                3 * PER_SLICE), 1, C, H, W, true);
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

        assertThat(threeAtOnce.predict(data, 7, C, H, W, false)).isEqualTo(oneAtATime.predict(data, 7, C, H, W, false));
        // the passes did not all run on this thread
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName).contains(SlicePredictor.LANE_THREAD);
        SlicePredictor.Probabilities expected = oneAtATime.predictProbabilities(data, 7, C, H, W, false);
        SlicePredictor.Probabilities got = threeAtOnce.predictProbabilities(data, 7, C, H, W, false);
        assertThat(got.labels()).isEqualTo(expected.labels());
        assertThat(got.quantised()).isEqualTo(expected.quantised());
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
        byte[] labels = new SlicePredictor(model, block, 8, 2).predict(data, 4, C, H, W, false);
        SlicePredictor alone = new SlicePredictor(model, block, 8, 1);
        byte[] expected = new byte[4 * H * W];
        System.arraycopy(alone.predict(Arrays.copyOfRange(data, 0, 2 * PER_SLICE), 2, C, H, W, false), 0, expected, 0,
                2 * H * W);
        System.arraycopy(alone.predict(Arrays.copyOfRange(data, 2 * PER_SLICE, 4 * PER_SLICE), 2, C, H, W, false), 0,
                expected, 2 * H * W, 2 * H * W);
        assertThat(labels).isEqualTo(expected);
    }

    @Test
    void lanesBelowOneAreRefused() {
        assertThatThrownBy(() -> new SlicePredictor(model, block, 8, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lanes must be at least 1");
    }

    @Test
    void aBatchThatDoesNotMatchItsShapeOrAForwardBatchBelowOneIsRefused() {
        SlicePredictor p = new SlicePredictor(model, block, 8);
        assertThatThrownBy(() -> p.predict(new float[PER_SLICE * 2 - 1], 2, C, H, W, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 slices of 1x32x32");
        assertThatThrownBy(() -> new SlicePredictor(model, block, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
    }
}
