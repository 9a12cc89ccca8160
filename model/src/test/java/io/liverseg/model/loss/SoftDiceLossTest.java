package io.liverseg.model.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.liverseg.model.TestSupport;
import org.junit.jupiter.api.Test;

class SoftDiceLossTest {

    private static float eval(SoftDiceLoss loss, NDManager m, LossFixture f) {
        return loss.evaluate(new NDList(f.labels(m)), new NDList(f.logits(m))).getFloat();
    }

    @Test
    void matchesTheHandComputedMeanDiceOverClasses() {
        LossFixture f = LossFixture.allPresent();
        try (NDManager m = TestSupport.cpuManager()) {
            assertThat((double) eval(SoftDiceLoss.builder().build(), m, f)).isCloseTo(f.diceLoss(1), within(1e-6));
            assertThat((double) eval(SoftDiceLoss.builder().optSmoothing(1e-3f).build(), m, f))
                    .isCloseTo(f.diceLoss(1e-3), within(1e-6));
        }
    }

    @Test
    void classWeightedDiceWeighsEachClassDice() {
        LossFixture f = LossFixture.allPresent();
        try (NDManager m = TestSupport.cpuManager()) {
            SoftDiceLoss loss = SoftDiceLoss.builder().optClassWeights(0.2f, 0.3f, 0.5f).build();
            assertThat((double) eval(loss, m, f)).isCloseTo(f.diceLoss(1, 0.2, 0.3, 0.5), within(1e-6));
            // and it differs from the unweighted loss, so the weights are really applied
            assertThat(Math.abs(f.diceLoss(1, 0.2, 0.3, 0.5) - f.diceLoss(1))).isGreaterThan(1e-3);
        }
    }

    @Test
    void classAbsentFromLabelsAndPredictionScoresOneSoAddsNoLoss() {
        LossFixture f = LossFixture.classTwoAbsent(-30f);
        assertThat(f.dice(2, 1)).isCloseTo(1, within(1e-9));
        try (NDManager m = TestSupport.cpuManager()) {
            SoftDiceLoss onlyAbsent = SoftDiceLoss.builder().optClassWeights(0, 0, 1).build();
            assertThat(eval(onlyAbsent, m, f)).isCloseTo(0f, within(1e-6f));
            assertThat((double) eval(SoftDiceLoss.builder().build(), m, f)).isCloseTo(f.diceLoss(1), within(1e-6));
        }
    }

    @Test
    void classAbsentFromLabelsButPredictedScoresNearZero() {
        LossFixture f = LossFixture.classTwoAbsent(10f);
        // p_2 ≈ 1 on all 8 pixels: D_2 = ε / (Σp_2 + ε) ≈ 1/9
        assertThat(f.dice(2, 1)).isCloseTo(1.0 / 9, within(1e-3));
        try (NDManager m = TestSupport.cpuManager()) {
            SoftDiceLoss onlyAbsent = SoftDiceLoss.builder().optClassWeights(0, 0, 1).build();
            assertThat((double) eval(onlyAbsent, m, f)).isCloseTo(1 - f.dice(2, 1), within(1e-6));
            assertThat((double) eval(SoftDiceLoss.builder().build(), m, f)).isCloseTo(f.diceLoss(1), within(1e-6));
        }
    }

    @Test
    void acceptsIntegerMapsWithAChannelAxisAndOneHotTargets() {
        LossFixture f = LossFixture.allPresent();
        try (NDManager m = TestSupport.cpuManager()) {
            SoftDiceLoss loss = SoftDiceLoss.builder().build();
            float fromMap = eval(loss, m, f);
            float fromOneHot = loss.evaluate(new NDList(f.oneHot(m)), new NDList(f.logits(m))).getFloat();
            float fromChannelMap = loss.evaluate(new NDList(f.labels(m).reshape(2, 1, 2, 2)), new NDList(f.logits(m)))
                    .getFloat();
            assertThat(fromOneHot).isCloseTo(fromMap, within(1e-6f));
            assertThat(fromChannelMap).isCloseTo(fromMap, within(1e-6f));
            // Extra outputs (attention maps) after the logits are ignored.
            float withMaps = loss.evaluate(new NDList(f.labels(m)),
                    new NDList(f.logits(m), m.ones(new Shape(2, 1, 2, 2)))).getFloat();
            assertThat(withMaps).isEqualTo(fromMap);
        }
    }

    @Test
    void rejectsBadSettingsAndMismatchedShapes() {
        assertThatThrownBy(() -> SoftDiceLoss.builder().optSmoothing(0).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SoftDiceLoss.builder().optClassWeights(0, 0, 0).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SoftDiceLoss.builder().optClassWeights(1, -1, 1).build())
                .isInstanceOf(IllegalArgumentException.class);
        LossFixture f = LossFixture.allPresent();
        try (NDManager m = TestSupport.cpuManager()) {
            SoftDiceLoss twoWeights = SoftDiceLoss.builder().optClassWeights(1, 1).build();
            assertThatThrownBy(() -> eval(twoWeights, m, f)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> SoftDiceLoss.builder().build().evaluate(
                    new NDList(m.zeros(new Shape(2, 3, 3))), new NDList(f.logits(m))))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
