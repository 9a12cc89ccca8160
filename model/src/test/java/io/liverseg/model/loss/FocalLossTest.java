package io.liverseg.model.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.liverseg.model.TestSupport;
import org.junit.jupiter.api.Test;

class FocalLossTest {

    private static double eval(FocalLoss loss, NDManager m, LossFixture f) {
        return loss.evaluate(new NDList(f.labels(m)), new NDList(f.logits(m))).getFloat();
    }

    @Test
    void matchesTheHandComputedFocalLossWithDefaultGamma() {
        LossFixture f = LossFixture.allPresent();
        try (NDManager m = TestSupport.cpuManager()) {
            assertThat(eval(FocalLoss.builder().build(), m, f)).isCloseTo(f.focal(2), within(1e-6));
            assertThat(eval(FocalLoss.builder().optGamma(0.5f).build(), m, f)).isCloseTo(f.focal(0.5), within(1e-6));
        }
    }

    @Test
    void perClassAlphaWeighsEachPixelByItsTrueClass() {
        LossFixture f = LossFixture.allPresent();
        try (NDManager m = TestSupport.cpuManager()) {
            FocalLoss loss = FocalLoss.builder().optGamma(2).optAlpha(0.25f, 0.5f, 1f).build();
            assertThat(eval(loss, m, f)).isCloseTo(f.focal(2, 0.25, 0.5, 1), within(1e-6));
            assertThat(Math.abs(f.focal(2, 0.25, 0.5, 1) - f.focal(2))).isGreaterThan(1e-3);
        }
    }

    @Test
    void gammaZeroWithoutAlphaIsCrossEntropy() {
        LossFixture f = LossFixture.allPresent();
        try (NDManager m = TestSupport.cpuManager()) {
            assertThat(eval(FocalLoss.builder().optGamma(0).build(), m, f)).isCloseTo(f.crossEntropy(), within(1e-6));
        }
    }

    @Test
    void absentClassOnlyCountsThroughTheProbabilityItTakesFromTheTrueClass() {
        try (NDManager m = TestSupport.cpuManager()) {
            LossFixture quiet = LossFixture.classTwoAbsent(-30f);
            LossFixture loud = LossFixture.classTwoAbsent(10f);
            assertThat(eval(FocalLoss.builder().build(), m, quiet)).isCloseTo(quiet.focal(2), within(1e-6));
            assertThat(eval(FocalLoss.builder().build(), m, loud)).isCloseTo(loud.focal(2), within(1e-5));
            assertThat(loud.focal(2)).isGreaterThan(quiet.focal(2));
        }
    }

    @Test
    void rejectsNegativeGammaAndWrongAlphaLength() {
        assertThatThrownBy(() -> FocalLoss.builder().optGamma(-1).build()).isInstanceOf(IllegalArgumentException.class);
        LossFixture f = LossFixture.allPresent();
        try (NDManager m = TestSupport.cpuManager()) {
            FocalLoss loss = FocalLoss.builder().optAlpha(1, 1).build();
            assertThatThrownBy(() -> eval(loss, m, f)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
