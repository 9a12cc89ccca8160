package io.liverseg.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ObjectKeysTest {
    private static final String SCAN = "0123456789abcdef".repeat(4);

    @Test
    void layoutMatchesTheDocumentedTree() {
        assertThat(ObjectKeys.image(SCAN, true)).isEqualTo("scans/" + SCAN + "/image.nii.gz");
        assertThat(ObjectKeys.image(SCAN, false)).isEqualTo("scans/" + SCAN + "/image.nii");
        assertThat(ObjectKeys.label(SCAN, true)).isEqualTo("scans/" + SCAN + "/label.nii.gz");
        assertThat(ObjectKeys.scanRecord(SCAN)).isEqualTo("scans/" + SCAN + "/scan.json");
        assertThat(ObjectKeys.failure(SCAN)).isEqualTo("scans/" + SCAN + "/failed.json");
        assertThat(ObjectKeys.batchPlan(SCAN, "liver", "2")).isEqualTo("work/" + SCAN + "/liver/2/batches.json");
        assertThat(ObjectKeys.batch(SCAN, "liver", "2", 7)).isEqualTo("work/" + SCAN + "/liver/2/batch-00007.lsb");
        assertThat(ObjectKeys.part(SCAN, "liver", "2", 12)).isEqualTo("work/" + SCAN + "/liver/2/part-00012.lsm")
                .startsWith(ObjectKeys.partPrefix(SCAN, "liver", "2"));
        assertThat(ObjectKeys.mask(SCAN, "vessels")).isEqualTo("masks/" + SCAN + "/vessels/mask.nii.gz");
        assertThat(ObjectKeys.report(SCAN, "liver")).isEqualTo("masks/" + SCAN + "/liver/report.json");
        assertThat(ObjectKeys.maskReadyMarker(SCAN, "liver", "2")).isEqualTo("work/" + SCAN + "/liver/2/mask-ready.json");
        assertThat(ObjectKeys.modelPrefix("liver", "3")).isEqualTo("models/liver/3/");
        assertThat(ObjectKeys.champion("liver")).isEqualTo("models/liver/champion.json");
    }

    @Test
    void registryDatasetAndTrainingKeys() {
        assertThat(ObjectKeys.modelStatus("liver", "3")).isEqualTo("registry/liver/versions/3.json")
                .startsWith(ObjectKeys.modelStatusPrefix("liver"));
        assertThat(ObjectKeys.datasetManifest("vessels")).isEqualTo("datasets/vessels/manifest.json");
        assertThat(ObjectKeys.trainingRun("20261126-101500-ab12")).isEqualTo("training/runs/20261126-101500-ab12.json")
                .startsWith(ObjectKeys.TRAINING_RUNS);
        java.time.Instant t = java.time.Instant.parse("2026-11-26T10:15:00.5Z");
        assertThat(ObjectKeys.modelHistoryEntry("liver", t, "3"))
                .isEqualTo("registry/liver/history/20261126T101500.500000000Z-3.json")
                .startsWith(ObjectKeys.modelHistoryPrefix("liver"));
        // history keys sort by time, also across a change in the number of digits of the fraction
        assertThat(ObjectKeys.modelHistoryEntry("liver", t.plusNanos(1), "2"))
                .isGreaterThan(ObjectKeys.modelHistoryEntry("liver", t, "9"));
        assertThatThrownBy(() -> ObjectKeys.trainingRun("../x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("run id");
        assertThat(ObjectKeys.isName("run-1")).isTrue();
        assertThat(ObjectKeys.isName("Run 1")).isFalse();
    }

    @Test
    void theNextBatchIsTheSameFolderOneIndexOnAndOnlyBatchKeysHaveOne() {
        assertThat(ObjectKeys.nextBatch(ObjectKeys.batch(SCAN, "liver", "2", 9)))
                .contains(ObjectKeys.batch(SCAN, "liver", "2", 10));
        assertThat(ObjectKeys.nextBatch(ObjectKeys.batch(SCAN, "vessels", "12", 0)))
                .contains(ObjectKeys.batch(SCAN, "vessels", "12", 1));
        assertThat(ObjectKeys.nextBatch(ObjectKeys.part(SCAN, "liver", "2", 3))).isEmpty();
        assertThat(ObjectKeys.nextBatch("batch-00001.lsb")).isEmpty();
    }

    @Test
    void batchKeysSortInBatchOrder() {
        assertThat(ObjectKeys.batch(SCAN, "liver", "2", 9)).isLessThan(ObjectKeys.batch(SCAN, "liver", "2", 10));
    }

    @Test
    void scanIdsAreSha256Hex() {
        assertThat(ObjectKeys.isScanId(SCAN)).isTrue();
        assertThat(ObjectKeys.isScanId(SCAN.toUpperCase())).isFalse();
        assertThat(ObjectKeys.isScanId(SCAN.substring(1))).isFalse();
        assertThat(ObjectKeys.isScanId(null)).isFalse();
        assertThatThrownBy(() -> ObjectKeys.image("../../etc", true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scan id");
    }

    @Test
    void taskAndVersionCannotEscapeTheirSegment() {
        assertThatThrownBy(() -> ObjectKeys.mask(SCAN, "../models")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("task");
        assertThatThrownBy(() -> ObjectKeys.modelPrefix("liver", "1/2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version");
        assertThatThrownBy(() -> ObjectKeys.champion("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void numericVersionsSortByValue() {
        assertThat(java.util.stream.Stream.of("10", "2", "candidate", "1").sorted(ModelRegistry.VERSION_ORDER))
                .containsExactly("1", "2", "10", "candidate");
    }
}
