package io.liverseg.model.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.liverseg.model.TestSupport;
import org.junit.jupiter.api.Test;

class DiceCrossEntropyLossTest {

    @Test
    void defaultIsDicePlusCrossEntropyOneToOne() {
        LossFixture f = LossFixture.allPresent();
        try (NDManager m = TestSupport.cpuManager()) {
            float loss = DiceCrossEntropyLoss.builder().build()
                    .evaluate(new NDList(f.labels(m)), new NDList(f.logits(m))).getFloat();
            assertThat((double) loss).isCloseTo(f.diceLoss(1) + f.crossEntropy(), within(1e-5));
        }
    }

    @Test
    void termWeightsAndDiceClassWeightsAreApplied() {
        LossFixture f = LossFixture.allPresent();
        try (NDManager m = TestSupport.cpuManager()) {
            DiceCrossEntropyLoss loss = DiceCrossEntropyLoss.builder().optDiceWeight(0.3f).optCrossEntropyWeight(2f)
                    .optClassWeights(1, 2, 4).optSmoothing(0.5f).build();
            double expected = 0.3 * f.diceLoss(0.5, 1, 2, 4) + 2 * f.crossEntropy();
            assertThat((double) loss.evaluate(new NDList(f.labels(m)), new NDList(f.logits(m))).getFloat())
                    .isCloseTo(expected, within(1e-5));
            float ceOnly = DiceCrossEntropyLoss.builder().optDiceWeight(0).build()
                    .evaluate(new NDList(f.oneHot(m)), new NDList(f.logits(m))).getFloat();
            assertThat((double) ceOnly).isCloseTo(f.crossEntropy(), within(1e-6));
        }
    }

    @Test
    void absentClassesFollowTheDiceConvention() {
        try (NDManager m = TestSupport.cpuManager()) {
            for (float class2Logit : new float[] {-30f, 10f}) {
                LossFixture f = LossFixture.classTwoAbsent(class2Logit);
                float loss = DiceCrossEntropyLoss.builder().build()
                        .evaluate(new NDList(f.labels(m)), new NDList(f.logits(m))).getFloat();
                assertThat((double) loss).as("class-2 logit %s", class2Logit)
                        .isCloseTo(f.diceLoss(1) + f.crossEntropy(), within(1e-5));
            }
        }
    }

    @Test
    void gradientMatchesAFiniteDifference() {
        LossFixture f = LossFixture.allPresent();
        DiceCrossEntropyLoss loss = DiceCrossEntropyLoss.builder().build();
        int element = 5;
        double h = 1e-3;
        float[] plus = f.logits.clone();
        float[] minus = f.logits.clone();
        plus[element] += (float) h;
        minus[element] -= (float) h;
        double numeric = (value(new LossFixture(plus, f.labels)) - value(new LossFixture(minus, f.labels))) / (2 * h);
        try (NDManager m = TestSupport.cpuManager()) {
            NDArray logits = f.logits(m);
            logits.setRequiresGradient(true);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                gc.backward(loss.evaluate(new NDList(f.labels(m)), new NDList(logits)));
            }
            float[] grad = logits.getGradient().toFloatArray();
            assertThat((double) grad[element]).isCloseTo(numeric, within(1e-4));
        }
    }

    private static double value(LossFixture f) {
        return f.diceLoss(1) + f.crossEntropy();
    }

    @Test
    void rejectsNegativeOrAllZeroTermWeights() {
        assertThatThrownBy(() -> DiceCrossEntropyLoss.builder().optDiceWeight(-1).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DiceCrossEntropyLoss.builder().optDiceWeight(0).optCrossEntropyWeight(0).build())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
