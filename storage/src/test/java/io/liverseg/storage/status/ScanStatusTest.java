package io.liverseg.storage.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScanStatusTest {
    static final String ID = "a".repeat(64);
    static final List<String> TASKS = List.of("liver", "vessels");
    static final ScanStatus.ScanSummary RECORD = new ScanStatus.ScanSummary("case.nii.gz", "2025-01-01T00:00:00Z",
            "upload", null);

    private static ScanStatus derive(List<String> keys, Map<String, Integer> counts, Map<String, String> versions) {
        return ScanStatus.derive(TASKS, new ScanStatus.Facts(ID, RECORD, null, null, keys, counts, versions));
    }

    private static String work(String task, String version, String file) {
        return "work/" + ID + "/" + task + "/" + version + "/" + file;
    }

    @Test
    void storedButNotPlannedIsPreprocessingWithEveryTaskPending() {
        ScanStatus s = derive(List.of(), Map.of(), Map.of());

        assertThat(s.status()).isEqualTo("preprocessing");
        assertThat(s.tasks()).containsOnlyKeys("liver", "vessels");
        assertThat(s.tasks().values()).extracting(ScanStatus.TaskStatus::status).containsOnly("pending");
        assertThat(s.fileName()).isEqualTo("case.nii.gz");
        assertThat(s.hasLabel()).isFalse();
        assertThat(s.batchCount()).isNull();
    }

    @Test
    void aPlanMakesItInferringAndPartsCountAsBatchesDone() {
        List<String> keys = new ArrayList<>(List.of(work("liver", "3", "batches.json"),
                work("liver", "3", "batch-00000.lsb"), work("liver", "3", "batch-00001.lsb"),
                work("liver", "3", "part-00000.lsm")));
        Map<String, Integer> counts = Map.of(work("liver", "3", "batches.json"), 4);

        ScanStatus s = derive(keys, counts, Map.of());

        assertThat(s.status()).isEqualTo("inferring");
        assertThat(s.progress()).isEqualTo("1 of 4 batches inferred");
        assertThat(s.batchesDone()).isEqualTo(1);
        assertThat(s.batchCount()).isEqualTo(4);
        assertThat(s.tasks().get("liver")).isEqualTo(new ScanStatus.TaskStatus("inferring", 1, 4, "3"));
        assertThat(s.tasks().get("vessels").status()).isEqualTo("pending");
    }

    @Test
    void theNewestPlannedVersionCountsUnlessTheReportNamesAnother() {
        List<String> keys = List.of(work("liver", "2", "batches.json"), work("liver", "10", "batches.json"),
                work("liver", "10", "part-00000.lsm"));
        Map<String, Integer> counts = Map.of(work("liver", "2", "batches.json"), 5, work("liver", "10", "batches.json"), 2);

        assertThat(derive(keys, counts, Map.of()).tasks().get("liver"))
                .isEqualTo(new ScanStatus.TaskStatus("inferring", 1, 2, "10"));
    }

    @Test
    void everyStartedTaskWithItsMaskIsMaskReadyEvenWhenAnotherTaskNeverStarted() {
        String report = "masks/" + ID + "/liver/report.json";
        List<String> keys = List.of(work("liver", "1", "batches.json"), work("liver", "1", "part-00000.lsm"),
                work("liver", "1", "part-00001.lsm"), "masks/" + ID + "/liver/mask.nii.gz", report);

        ScanStatus s = derive(keys, Map.of(work("liver", "1", "batches.json"), 2), Map.of(report, "1"));

        assertThat(s.status()).isEqualTo("mask_ready");
        assertThat(s.tasks().get("liver")).isEqualTo(new ScanStatus.TaskStatus("mask_ready", 2, 2, "1"));
        assertThat(s.tasks().get("vessels").status()).isEqualTo("pending");
    }

    @Test
    void oneTaskReadyWithItsPartsCleanedUpAndAnotherInferringIsInferring() {
        String report = "masks/" + ID + "/liver/report.json";
        List<String> keys = List.of(work("liver", "1", "batches.json"), report,
                work("vessels", "4", "batches.json"));
        Map<String, Integer> counts = Map.of(work("liver", "1", "batches.json"), 2,
                work("vessels", "4", "batches.json"), 3);

        ScanStatus s = derive(keys, counts, Map.of(report, "1"));

        assertThat(s.status()).isEqualTo("inferring");
        assertThat(s.progress()).isEqualTo("2 of 5 batches inferred");
        assertThat(s.batchesDone()).isEqualTo(2);
        assertThat(s.batchCount()).isEqualTo(5);
        assertThat(s.tasks().get("liver")).isEqualTo(new ScanStatus.TaskStatus("mask_ready", 2, 2, "1"));
        assertThat(s.tasks().get("vessels")).isEqualTo(new ScanStatus.TaskStatus("inferring", 0, 3, "4"));
    }

    @Test
    void failedWinsAndCarriesTheReason() {
        ScanStatus s = ScanStatus.derive(TASKS, new ScanStatus.Facts(ID, null, "bad header", "ingest", List.of(),
                Map.of(), Map.of()));

        assertThat(s.status()).isEqualTo("failed");
        assertThat(s.reason()).isEqualTo("bad header");
        assertThat(s.failedStage()).isEqualTo("ingest");
        assertThat(s.fileName()).isNull();
    }

    @Test
    void versionsOrderNumericallyThenByText() {
        assertThat(List.of("10", "2", "b", "a", "1").stream().sorted(ScanStatus.VERSION_ORDER).toList())
                .containsExactly("1", "2", "10", "a", "b");
    }
}
