package io.liverseg.storage;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The layout of the liverseg bucket: every object key the services read or write is made here. Public API
 * (operators and scripts read these paths).
 *
 * <pre>
 * incoming/...                                    files put straight into the bucket (PACS, mc cp)
 * scans/{scan}/image.nii[.gz]                      the scan as uploaded
 * scans/{scan}/label.nii[.gz]                      its ground-truth label, if any
 * scans/{scan}/scan.json                           ingest record (name, size, time, source, metadata)
 * scans/{scan}/failed.json                         why the scan failed, if it did
 * work/{scan}/{task}/{version}/batches.json        batch plan: count, slices, where its batches are (batches_prefix)
 * work/{scan}/{task}/{version}/batch-{i}.lsb       preprocessed slice batch i (tensor; deleted when every task read it)
 * work/{scan}/{task}/{version}/part-{i}.lsm        predicted labels of batch i (deleted once the mask is stored)
 * work/{scan}/{task}/{version}/mask-ready.json     MaskReady of this version was sent (redeliveries stop here)
 * masks/{scan}/{task}/mask.nii.gz                  the mask on the scan's exact grid
 * masks/{scan}/{task}/report.json                  volumes, Dice, model version, timings
 * models/{task}/{version}/model.json, unet-0000.params   model packages
 * models/{task}/champion.json                      which version serves the task
 * registry/{task}/versions/{version}.json          a version's status (champion, candidate, rejected, retired), metrics
 * registry/{task}/history/{time}-{version}.json    one object per champion change (seed, promotion, rollback, manual)
 * datasets/{task}/manifest.json                    the labelled cases of a task: split, hashes, keys, fingerprint
 * training/runs/{run}.json                         a training run: trigger, status, progress, candidate, decision
 * </pre>
 */
public final class ObjectKeys {
    /** Prefix under which objects put straight into the bucket enter the pipeline. */
    public static final String INCOMING = "incoming/";
    public static final String SCANS = "scans/";
    public static final String WORK = "work/";
    public static final String MASKS = "masks/";
    public static final String MODELS = "models/";
    /** File name of a batch plan in a work folder ({@link #batchPlan}). */
    public static final String BATCH_PLAN_FILE = "batches.json";
    /** File name of the marker that a version's MaskReady was sent ({@link #maskReadyMarker}). */
    public static final String MASK_READY_FILE = "mask-ready.json";
    /** Model lifecycle records next to the packages: status per version and the champion history. */
    public static final String REGISTRY = "registry/";
    public static final String DATASETS = "datasets/";
    /** Training runs (training-service): one JSON record per run, queued ones included. */
    public static final String TRAINING_RUNS = "training/runs/";

    private static final java.time.format.DateTimeFormatter HISTORY_TIME = java.time.format.DateTimeFormatter
            .ofPattern("yyyyMMdd'T'HHmmss.SSSSSSSSS'Z'", Locale.ROOT).withZone(java.time.ZoneOffset.UTC);

    private static final Pattern SCAN_ID = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern BATCH_FILE = Pattern.compile("(.*/)batch-(\\d{5})\\.lsb");

    private ObjectKeys() {
    }

    /** True when {@code id} is a scan id: 64 lower-case hex digits (SHA-256). */
    public static boolean isScanId(String id) {
        return id != null && SCAN_ID.matcher(id).matches();
    }

    /** The scan's image; {@code gzip} keeps the extension truthful to the stored bytes. */
    public static String image(String scan, boolean gzip) {
        return scanPrefix(scan) + (gzip ? "image.nii.gz" : "image.nii");
    }

    public static String label(String scan, boolean gzip) {
        return scanPrefix(scan) + (gzip ? "label.nii.gz" : "label.nii");
    }

    public static String scanRecord(String scan) {
        return scanPrefix(scan) + "scan.json";
    }

    public static String failure(String scan) {
        return scanPrefix(scan) + "failed.json";
    }

    public static String scanPrefix(String scan) {
        return SCANS + requireScan(scan) + "/";
    }

    /** Everything one model version made for one scan and task. */
    public static String workPrefix(String scan, String task, String version) {
        return WORK + requireScan(scan) + "/" + requireName("task", task) + "/" + requireName("version", version) + "/";
    }

    public static String batchPlan(String scan, String task, String version) {
        return workPrefix(scan, task, version) + BATCH_PLAN_FILE;
    }

    public static String batch(String scan, String task, String version, int index) {
        return workPrefix(scan, task, version) + String.format(Locale.ROOT, "batch-%05d.lsb", index);
    }

    /**
     * The key of the batch written after {@code batchKey} in the same folder ({@code batch-00003.lsb} →
     * {@code batch-00004.lsb}), or empty when {@code batchKey} is not a batch key.
     */
    public static Optional<String> nextBatch(String batchKey) {
        java.util.regex.Matcher m = BATCH_FILE.matcher(batchKey);
        if (!m.matches()) {
            return Optional.empty();
        }
        int index = Integer.parseInt(m.group(2));
        return Optional.of(m.group(1) + String.format(Locale.ROOT, "batch-%05d.lsb", index + 1));
    }

    public static String part(String scan, String task, String version, int index) {
        return workPrefix(scan, task, version) + String.format(Locale.ROOT, "part-%05d.lsm", index);
    }

    /** Prefix shared by all parts of one scan, task and version (list it to count finished batches). */
    public static String partPrefix(String scan, String task, String version) {
        return workPrefix(scan, task, version) + "part-";
    }

    /** Written after MaskReady of a scan, task and version was acknowledged by the broker. */
    public static String maskReadyMarker(String scan, String task, String version) {
        return workPrefix(scan, task, version) + MASK_READY_FILE;
    }

    public static String mask(String scan, String task) {
        return MASKS + requireScan(scan) + "/" + requireName("task", task) + "/mask.nii.gz";
    }

    public static String report(String scan, String task) {
        return MASKS + requireScan(scan) + "/" + requireName("task", task) + "/report.json";
    }

    public static String modelPrefix(String task, String version) {
        return MODELS + requireName("task", task) + "/" + requireName("version", version) + "/";
    }

    public static String champion(String task) {
        return MODELS + requireName("task", task) + "/champion.json";
    }

    /** The status record of a model version (mutable, unlike the package under {@link #modelPrefix}). */
    public static String modelStatus(String task, String version) {
        return modelStatusPrefix(task) + requireName("version", version) + ".json";
    }

    public static String modelStatusPrefix(String task) {
        return REGISTRY + requireName("task", task) + "/versions/";
    }

    /**
     * One champion change; keys sort by time (fixed-width UTC, nanoseconds), so listing the prefix gives the
     * history in order.
     */
    public static String modelHistoryEntry(String task, java.time.Instant at, String version) {
        return modelHistoryPrefix(task) + HISTORY_TIME.format(at) + "-" + requireName("version", version) + ".json";
    }

    public static String modelHistoryPrefix(String task) {
        return REGISTRY + requireName("task", task) + "/history/";
    }

    /** The dataset manifest of a task: every labelled case with its split, hashes and keys. */
    public static String datasetManifest(String task) {
        return DATASETS + requireName("task", task) + "/manifest.json";
    }

    /** The record of a training run. */
    public static String trainingRun(String runId) {
        return TRAINING_RUNS + requireName("run id", runId) + ".json";
    }

    /** True when {@code name} can be a task, version or run id segment of a key. */
    public static boolean isName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    private static String requireScan(String scan) {
        if (!isScanId(scan)) {
            throw new IllegalArgumentException("scan id must be 64 lower-case hex digits: " + scan);
        }
        return scan;
    }

    /** Task names and versions become path segments: keep them to a safe alphabet. */
    static String requireName(String what, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must match " + NAME.pattern() + ": " + value);
        }
        return value;
    }
}
