package io.liverseg.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MetricsScrapeTest {
    /** As Quarkus' Micrometer Prometheus registry writes it. */
    private static final String TEXT = """
            # HELP liverseg_masks_ready_total \s
            # TYPE liverseg_masks_ready_total counter
            liverseg_masks_ready_total{task="liver"} 3.0
            liverseg_masks_ready_total{task="vessels"} 2.0
            liverseg_masks_ready_totals_other 9.0
            liverseg_preprocess_duration_seconds_count 4
            liverseg_preprocess_duration_seconds_sum 7.25
            jvm_threads_live_threads 31.0
            """;

    @Test
    void findsASeriesByNameAndExactLabels() {
        MetricsScrape m = MetricsScrape.parse(TEXT);
        assertThat(m.value("liverseg_masks_ready_total", "task", "liver")).isEqualTo(3.0);
        assertThat(m.value("liverseg_masks_ready_total", "task", "vessels")).isEqualTo(2.0);
        assertThat(m.value("liverseg_preprocess_duration_seconds_count")).isEqualTo(4.0);
        assertThat(m.value("liverseg_preprocess_duration_seconds_sum")).isEqualTo(7.25);
    }

    @Test
    void aSeriesNotExposedReadsZero() {
        MetricsScrape m = MetricsScrape.parse(TEXT);
        assertThat(m.value("liverseg_masks_ready_total", "task", "spleen")).isZero();
        assertThat(m.value("liverseg_masks_ready_total")).isZero();
        assertThat(m.value("liverseg_masks_ready")).isZero();
    }
}
