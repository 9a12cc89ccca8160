package io.liverseg.storage.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.liverseg.storage.ObjectKeys;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The status of a scan, derived from nothing but the objects in the bucket (so it survives restarts and is the
 * same on every instance). A pure function of the keys under {@code work/{scan}/} and {@code masks/{scan}/} plus
 * the few small JSON files it names; see {@link #derive}.
 *
 * <p>Per task: {@code pending} (no object of the task yet), {@code preprocessing} (work objects but no batch
 * plan), {@code inferring} (batches.json exists: {@code batches_done} = part-*.lsm objects of that model version,
 * {@code batch_count} from the plan), {@code mask_ready} (masks/{scan}/{task}/report.json exists; its
 * {@code batches_done} is the plan's count, as the parts are deleted once the mask is stored).
 *
 * <p>Overall: {@code failed} when scans/{scan}/failed.json exists (with its reason); else {@code mask_ready} when
 * at least one task has a mask and every task that has started has its mask (a task with no work at all, e.g. one
 * without a champion model, does not hold the scan back); else {@code inferring} when some task has a batch plan;
 * else {@code preprocessing} (stored and announced; no batch plan yet). {@code received} is what the upload itself
 * answers. {@code batches_done}/{@code batch_count} overall sum the started tasks.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScanStatus(
        String id,
        String status,
        String reason,
        @JsonProperty("failed_stage") String failedStage,
        String progress,
        @JsonProperty("batches_done") Integer batchesDone,
        @JsonProperty("batch_count") Integer batchCount,
        @JsonProperty("file_name") String fileName,
        @JsonProperty("received_at") String receivedAt,
        String source,
        @JsonProperty("has_label") Boolean hasLabel,
        Map<String, TaskStatus> tasks) {

    public static final String RECEIVED = "received";
    public static final String PREPROCESSING = "preprocessing";
    public static final String INFERRING = "inferring";
    public static final String MASK_READY = "mask_ready";
    public static final String FAILED = "failed";
    public static final String PENDING = "pending";

    /** One task's progress. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TaskStatus(
            String status,
            @JsonProperty("batches_done") Integer batchesDone,
            @JsonProperty("batch_count") Integer batchCount,
            @JsonProperty("model_version") String modelVersion) {
    }

    /**
     * The fields of {@code scans/{scan}/scan.json} the status shows (ingest writes the file; see the mesh
     * conventions).
     *
     * @param labelKey the label's object key, or null when the scan came without one
     */
    public record ScanSummary(String fileName, String receivedAt, String source, String labelKey) {
    }

    /** What the bucket says about one scan, gathered by {@link ScanStatusReader}. */
    public record Facts(
            String scanId,
            ScanSummary record,
            String failureReason,
            String failureStage,
            List<String> keys,
            Map<String, Integer> batchCounts,
            Map<String, String> reportVersions) {
    }

    /**
     * Derives the status.
     *
     * @param tasks configured tasks (always listed, in this order); tasks found in the keys are added
     * @param f     scan.json (may be null when only failed.json exists), failure, the keys under
     *              {@code work/{scan}/} and {@code masks/{scan}/}, batch_count per batches.json key and
     *              model_version per report.json key
     */
    public static ScanStatus derive(List<String> tasks, Facts f) {
        String work = ObjectKeys.WORK + f.scanId() + "/";
        String masks = ObjectKeys.MASKS + f.scanId() + "/";
        Set<String> allTasks = new LinkedHashSet<>(tasks);
        for (String key : f.keys()) {
            String rest = key.startsWith(work) ? key.substring(work.length())
                    : key.startsWith(masks) ? key.substring(masks.length()) : null;
            if (rest != null && rest.indexOf('/') > 0) {
                allTasks.add(rest.substring(0, rest.indexOf('/')));
            }
        }
        Map<String, TaskStatus> perTask = new LinkedHashMap<>();
        for (String task : allTasks) {
            perTask.put(task, taskStatus(f, work + task + "/", masks + task + "/"));
        }
        ScanSummary r = f.record();
        String fileName = r == null ? null : r.fileName();
        String receivedAt = r == null ? null : r.receivedAt();
        String source = r == null ? null : r.source();
        Boolean hasLabel = r == null ? null : r.labelKey() != null;
        int done = 0;
        int count = 0;
        boolean anyStarted = false;
        boolean anyMask = false;
        boolean allStartedReady = true;
        boolean anyPlan = false;
        for (TaskStatus t : perTask.values()) {
            if (PENDING.equals(t.status())) {
                continue;
            }
            anyStarted = true;
            anyMask |= MASK_READY.equals(t.status());
            allStartedReady &= MASK_READY.equals(t.status());
            if (t.batchCount() != null) {
                anyPlan = true;
                count += t.batchCount();
                done += t.batchesDone() == null ? 0 : t.batchesDone();
            }
        }
        String status;
        if (f.failureReason() != null) {
            status = FAILED;
        } else if (anyStarted && anyMask && allStartedReady) {
            status = MASK_READY;
        } else if (anyPlan) {
            status = INFERRING;
        } else {
            status = PREPROCESSING;
        }
        String progress = switch (status) {
            case FAILED -> "failed: " + f.failureReason();
            case MASK_READY -> "mask ready";
            case INFERRING -> done + " of " + count + " batches inferred";
            default -> "preprocessing";
        };
        return new ScanStatus(f.scanId(), status, f.failureReason(), f.failureStage(), progress,
                anyPlan ? done : null, anyPlan ? count : null, fileName, receivedAt, source, hasLabel, perTask);
    }

    private static TaskStatus taskStatus(Facts f, String workPrefix, String maskPrefix) {
        TreeSet<String> planned = new TreeSet<>(VERSION_ORDER);
        boolean anyWork = false;
        for (String key : f.keys()) {
            if (key.startsWith(workPrefix)) {
                anyWork = true;
                String rest = key.substring(workPrefix.length());
                if (rest.endsWith("/batches.json") && rest.indexOf('/') == rest.length() - "/batches.json".length()) {
                    planned.add(rest.substring(0, rest.indexOf('/')));
                }
            }
        }
        String reportKey = maskPrefix + "report.json";
        boolean ready = f.keys().contains(reportKey);
        String reportVersion = ready ? f.reportVersions().get(reportKey) : null;
        String version = reportVersion != null && planned.contains(reportVersion) ? reportVersion
                : planned.isEmpty() ? reportVersion : planned.last();
        Integer count = null;
        Integer done = null;
        if (version != null && planned.contains(version)) {
            String versionPrefix = workPrefix + version + "/";
            count = f.batchCounts().get(versionPrefix + "batches.json");
            int parts = 0;
            for (String key : f.keys()) {
                if (key.startsWith(versionPrefix + "part-") && key.endsWith(".lsm")) {
                    parts++;
                }
            }
            done = count == null ? parts : Math.min(parts, count);
            if (ready && count != null && version.equals(reportVersion)) {
                // the parts of a finished mask are deleted (storage's WorkCleanup); its batches are all done
                done = count;
            }
        }
        String status;
        if (ready) {
            status = MASK_READY;
        } else if (version != null && planned.contains(version)) {
            status = INFERRING;
        } else if (anyWork) {
            status = PREPROCESSING;
        } else {
            status = PENDING;
        }
        return new TaskStatus(status, done, count, version);
    }

    /** Numeric versions by value ("2" before "10"), then anything else by text (as the model registry orders). */
    static final Comparator<String> VERSION_ORDER = (a, b) -> {
        boolean na = !a.isEmpty() && a.chars().allMatch(Character::isDigit);
        boolean nb = !b.isEmpty() && b.chars().allMatch(Character::isDigit);
        if (na && nb) {
            int c = Integer.compare(a.length(), b.length());
            return c != 0 ? c : a.compareTo(b);
        }
        if (na != nb) {
            return na ? -1 : 1;
        }
        return a.compareTo(b);
    };

    /** The keys of a listing that the derivation needs to read: batch plans and reports. */
    public static List<String> filesToRead(List<String> keys) {
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            if (k.endsWith("/batches.json") || k.endsWith("/report.json")) {
                out.add(k);
            }
        }
        return out;
    }
}
