package io.liverseg.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.liverseg.localstack.LocalStack;
import io.liverseg.localstack.LocalStackExtension;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Against a real S3 server (S3Proxy from local-stack), with the layout preprocess and inference write. */
@ExtendWith(LocalStackExtension.class)
class WorkCleanupIT {
    private static final String OTHER = "cd".repeat(32);
    private ObjectStore store;
    private WorkCleanup cleanup;

    @BeforeEach
    void setUp(LocalStack stack) {
        store = new ObjectStore(stack.s3Client(), "workcleanup-it");
        store.ensureBucket();
        cleanup = new WorkCleanup(store);
    }

    private void put(String key, String text) {
        store.put(key, text.getBytes(StandardCharsets.UTF_8), "application/octet-stream");
    }

    /** A plan as preprocess writes it; {@code batchesPrefix} null for a plan written before the field existed. */
    private void plan(String scan, String task, String version, String batchesPrefix) {
        put(ObjectKeys.batchPlan(scan, task, version), "{\"scan_id\":\"" + scan + "\",\"batch_count\":2"
                + (batchesPrefix == null ? "" : ",\"batches_prefix\":\"" + batchesPrefix + "\"") + "}");
    }

    private void batches(String scan, String task, String version) {
        for (int i = 0; i < 2; i++) {
            put(ObjectKeys.batch(scan, task, version, i), "batch " + i);
        }
    }

    private void partsAndMarker(String scan, String task, String version) {
        for (int i = 0; i < 2; i++) {
            put(ObjectKeys.part(scan, task, version, i), "part " + i);
        }
        put(ObjectKeys.maskReadyMarker(scan, task, version), "{}");
    }

    @Test
    void sharedBatchesStayUntilTheLastTaskThatReadsThemHasItsMask() {
        String scan = "ab".repeat(32);
        String shared = ObjectKeys.workPrefix(scan, "liver", "7");
        put(ObjectKeys.image(scan, true), "the scan");
        plan(scan, "liver", "7", shared);
        plan(scan, "vessels", "2", shared);
        batches(scan, "liver", "7");
        // another scan's work is never touched
        plan(OTHER, "liver", "7", ObjectKeys.workPrefix(OTHER, "liver", "7"));
        batches(OTHER, "liver", "7");
        partsAndMarker(OTHER, "liver", "7");

        partsAndMarker(scan, "liver", "7");
        WorkCleanup.Outcome first = cleanup.afterMask(scan, "liver", "7", shared);

        assertThat(first.partsDeleted()).isEqualTo(2);
        assertThat(first.batchesDeleted()).isZero();
        assertThat(first.waitingFor()).containsExactly("vessels/2");
        assertThat(store.list(shared)).containsExactly(shared + "batch-00000.lsb", shared + "batch-00001.lsb",
                shared + "batches.json", shared + "mask-ready.json");

        partsAndMarker(scan, "vessels", "2");
        WorkCleanup.Outcome last = cleanup.afterMask(scan, "vessels", "2", WorkCleanup.batchesPrefixOf(
                ObjectKeys.batch(scan, "liver", "7", 1)));

        assertThat(last.partsDeleted()).isEqualTo(2);
        assertThat(last.batchesDeleted()).isEqualTo(2);
        assertThat(last.waitingFor()).isEmpty();
        assertThat(store.list(ObjectKeys.WORK + scan + "/")).containsExactly(shared + "batches.json",
                shared + "mask-ready.json", ObjectKeys.batchPlan(scan, "vessels", "2"),
                ObjectKeys.maskReadyMarker(scan, "vessels", "2"));
        assertThat(store.exists(ObjectKeys.image(scan, true))).isTrue();
        assertThat(store.list(ObjectKeys.workPrefix(OTHER, "liver", "7"))).hasSize(6);

        // a redelivery after the cleanup finds nothing to delete, and fails on nothing
        assertThat(cleanup.afterMask(scan, "vessels", "2", shared)).isEqualTo(new WorkCleanup.Outcome(0, 0,
                List.of()));
    }

    @Test
    void onlyPlansThatReadTheSameBatchesAndHaveNoMaskYetKeepThem() {
        String scan = "ef".repeat(32);
        String liver = ObjectKeys.workPrefix(scan, "liver", "7");
        plan(scan, "liver", "7", liver);
        batches(scan, "liver", "7");
        // an older vessel version that read the same batches and finished: no reason to keep them
        plan(scan, "vessels", "1", liver);
        partsAndMarker(scan, "vessels", "1");
        // a task with its own pass (its own batches, a plan of the old layout without batches_prefix) still running
        plan(scan, "lungs", "3", null);
        batches(scan, "lungs", "3");

        partsAndMarker(scan, "liver", "7");
        WorkCleanup.Outcome outcome = cleanup.afterMask(scan, "liver", "7", liver);

        assertThat(outcome.batchesDeleted()).isEqualTo(2);
        assertThat(outcome.waitingFor()).isEmpty();
        assertThat(store.list(liver)).containsExactly(liver + "batches.json", liver + "mask-ready.json");
        String lungs = ObjectKeys.workPrefix(scan, "lungs", "3");
        assertThat(store.list(lungs)).contains(lungs + "batch-00000.lsb", lungs + "batch-00001.lsb");
        // the vessel parts of version 1 are its own cleanup's, not this one's
        assertThat(store.list(ObjectKeys.partPrefix(scan, "vessels", "1"))).hasSize(2);

        // a task that shares the running task's batches finishes first: they stay, as the old-layout plan reads
        // its own folder
        plan(scan, "kidney", "1", lungs);
        partsAndMarker(scan, "kidney", "1");
        WorkCleanup.Outcome kidney = cleanup.afterMask(scan, "kidney", "1", lungs);
        assertThat(kidney.partsDeleted()).isEqualTo(2);
        assertThat(kidney.waitingFor()).containsExactly("lungs/3");
        assertThat(store.list(lungs)).contains(lungs + "batch-00000.lsb", lungs + "batch-00001.lsb");
    }

    @Test
    void aBatchFolderOutsideTheScansWorkIsNeverDeleted() {
        String scan = "12".repeat(32);
        String foreign = ObjectKeys.workPrefix(OTHER, "liver", "9");
        plan(OTHER, "liver", "9", foreign);
        batches(OTHER, "liver", "9");
        plan(scan, "liver", "9", foreign);
        partsAndMarker(scan, "liver", "9");

        WorkCleanup.Outcome outcome = cleanup.afterMask(scan, "liver", "9", foreign);

        assertThat(outcome).isEqualTo(new WorkCleanup.Outcome(2, 0, List.of()));
        assertThat(store.list(foreign)).contains(foreign + "batch-00000.lsb", foreign + "batch-00001.lsb");
    }
}
