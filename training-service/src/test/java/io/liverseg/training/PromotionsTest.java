package io.liverseg.training;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromotionsTest {

    @Test
    void withoutAChampionTheCandidateIsPromoted() {
        Promotions.Decision d = Promotions.decide("1", 0.3, null, null, 0.005, 2);
        assertThat(d.decision()).isEqualTo(Promotions.PROMOTED);
        assertThat(d.reason()).contains("no champion").contains("0.3000");
    }

    @Test
    void theCandidateMustBeatTheChampionByMoreThanTheMargin() {
        assertThat(Promotions.decide("3", 0.810, "2", 0.800, 0.005, 4).decision()).isEqualTo(Promotions.PROMOTED);
        assertThat(Promotions.decide("3", 0.805, "2", 0.800, 0.005, 4).decision()).isEqualTo(Promotions.REJECTED);
        assertThat(Promotions.decide("3", 0.804, "2", 0.800, 0.005, 4).decision()).isEqualTo(Promotions.REJECTED);
        assertThat(Promotions.decide("3", 0.800, "2", 0.800, 0.0, 4).decision()).isEqualTo(Promotions.REJECTED);
        // a negative margin lets a slightly worse candidate through
        assertThat(Promotions.decide("3", 0.79, "2", 0.80, -0.02, 4).decision()).isEqualTo(Promotions.PROMOTED);
    }

    @Test
    void theReasonGivesTheNumbers() {
        String reason = Promotions.decide("4", 0.41, "3", 0.85, 0.005, 2).reason();
        assertThat(reason).contains("candidate 4", "0.4100", "champion 3", "0.8500", "2 validation cases", "0.8550",
                "+0.0050", "rejected");
    }
}
