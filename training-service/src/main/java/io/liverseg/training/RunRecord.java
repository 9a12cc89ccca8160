package io.liverseg.training;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A training run as stored in {@code training/runs/{id}.json} and answered by {@code GET /api/training/runs/{id}}.
 * Immutable; the {@code with...} methods return changed copies.
 *
 * @param id            run id (sorts by creation time)
 * @param task          the task trained
 * @param status        {@link #QUEUED}, {@link #RUNNING}, {@link #SUCCEEDED} or {@link #FAILED}
 * @param trigger       what queued it: "api", "new-cases", "schedule"
 * @param reason        why it failed, or what it decided; one line for humans
 * @param createdAt     ISO-8601 instant the run was queued
 * @param startedAt     ISO-8601 instant it started, or null
 * @param finishedAt    ISO-8601 instant it ended, or null
 * @param request       the overrides as requested
 * @param settings      the effective settings (defaults with the overrides)
 * @param datasetSeq    the dataset manifest's {@code last_seq} the run covers (new-case triggers count from it)
 * @param dataset       the cases it trained and validated on, once started
 * @param progress      where it is
 * @param epochs        one entry per finished epoch (loss, validation Dice, learning rate, seconds)
 * @param modelVersion  the candidate's registry version, once published
 * @param parentVersion the champion when the run started (the candidate's lineage), or null
 * @param evaluation    candidate vs champion on the same validation cases, and the decision
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunRecord(String id, String task, String status, String trigger, String reason, String createdAt,
                        String startedAt, String finishedAt, RunRequest request, Map<String, Object> settings,
                        long datasetSeq, Dataset dataset, Progress progress, List<Map<String, Object>> epochs,
                        String modelVersion, String parentVersion, Evaluation evaluation) {
    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";

    public RunRecord {
        epochs = epochs == null ? List.of() : List.copyOf(epochs);
    }

    /**
     * The data of a run.
     *
     * @param fingerprint         {@code DatasetFingerprint.of} the downloaded cases
     * @param cases               cases used
     * @param trainingCases       case names trained on
     * @param validationCases     case names validated and evaluated on
     * @param trainingSlices      slices trained on
     * @param validationSlices    slices validated on
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Dataset(String fingerprint, int cases, List<String> trainingCases, List<String> validationCases,
                          int trainingSlices, int validationSlices) {
    }

    /**
     * Where a run is.
     *
     * @param phase              queued, downloading, loading, training, packaging, evaluating, done
     * @param epoch              current (1-based) epoch, 0 before training
     * @param epochs             most epochs
     * @param step               step within the epoch
     * @param steps              steps per epoch
     * @param loss               last step's loss
     * @param slicesPerSec       training throughput in this epoch
     * @param etaSeconds         estimated seconds of training left
     * @param validationDice     validation Dice per foreground class after the last epoch
     * @param meanForegroundDice their mean
     * @param updatedAt          ISO-8601 instant
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Progress(String phase, int epoch, int epochs, int step, int steps, double loss, double slicesPerSec,
                           double etaSeconds, Map<String, Double> validationDice, double meanForegroundDice,
                           String updatedAt) {
        static Progress phase(String phase, int epochs, String now) {
            return new Progress(phase, 0, epochs, 0, 0, 0, 0, 0, Map.of(), 0, now);
        }

        Progress inPhase(String p, String now) {
            return new Progress(p, epoch, epochs, step, steps, loss, slicesPerSec, etaSeconds, validationDice,
                    meanForegroundDice, now);
        }
    }

    /**
     * Candidate and champion on the same validation cases.
     *
     * @param cases     the validation cases (names)
     * @param candidate the candidate's scores
     * @param champion  the champion's scores, or null when the task had no champion
     * @param margin    the margin the candidate had to beat the champion by
     * @param decision  "promoted", "rejected" or "undecided" (auto-promotion off, or the champion changed meanwhile)
     * @param reason    the numbers, in words
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Evaluation(List<String> cases, Score candidate, Score champion, double margin, String decision,
                             String reason) {
    }

    /**
     * One model's Dice on the validation scans at their own resolution (mask on the scan's grid vs label).
     *
     * @param version            model version
     * @param dice               Dice per foreground class, voxel counts pooled over the cases
     * @param meanForegroundDice mean of {@code dice}: the number promotion compares
     * @param perCase            Dice per class of each case
     * @param millis             time the evaluation took
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Score(String version, Map<String, Double> dice, double meanForegroundDice, List<CaseScore> perCase,
                        long millis) {
    }

    /** Dice per class of one case. */
    public record CaseScore(@JsonProperty("case") String name, Map<String, Double> dice) {
    }

    static RunRecord queued(String id, String task, String trigger, String reason, String now, RunRequest request,
                            Map<String, Object> settings, long datasetSeq, int epochs) {
        return new RunRecord(id, task, QUEUED, trigger, reason, now, null, null, request, settings, datasetSeq, null,
                Progress.phase("queued", epochs, now), List.of(), null, null, null);
    }

    boolean finished() {
        return SUCCEEDED.equals(status) || FAILED.equals(status);
    }

    RunRecord started(String now, long seq, String parent) {
        return new RunRecord(id, task, RUNNING, trigger, reason, createdAt, now, null, request, settings, seq, dataset,
                progress.inPhase("downloading", now), epochs, modelVersion, parent, evaluation);
    }

    RunRecord withProgress(Progress p) {
        return new RunRecord(id, task, status, trigger, reason, createdAt, startedAt, finishedAt, request, settings,
                datasetSeq, dataset, p, epochs, modelVersion, parentVersion, evaluation);
    }

    RunRecord withPhase(String phase, String now) {
        return withProgress(progress.inPhase(phase, now));
    }

    RunRecord withDataset(Dataset d) {
        return new RunRecord(id, task, status, trigger, reason, createdAt, startedAt, finishedAt, request, settings,
                datasetSeq, d, progress, epochs, modelVersion, parentVersion, evaluation);
    }

    RunRecord withEpoch(Map<String, Object> epoch, Progress p) {
        List<Map<String, Object>> next = new ArrayList<>(epochs);
        next.add(epoch);
        return new RunRecord(id, task, status, trigger, reason, createdAt, startedAt, finishedAt, request, settings,
                datasetSeq, dataset, p, next, modelVersion, parentVersion, evaluation);
    }

    RunRecord withModel(String version) {
        return new RunRecord(id, task, status, trigger, reason, createdAt, startedAt, finishedAt, request, settings,
                datasetSeq, dataset, progress, epochs, version, parentVersion, evaluation);
    }

    RunRecord withEvaluation(Evaluation e) {
        return new RunRecord(id, task, status, trigger, reason, createdAt, startedAt, finishedAt, request, settings,
                datasetSeq, dataset, progress, epochs, modelVersion, parentVersion, e);
    }

    RunRecord finish(String finalStatus, String why, String now) {
        return new RunRecord(id, task, finalStatus, trigger, why, createdAt, startedAt, now, request, settings,
                datasetSeq, dataset, progress.inPhase("done", now), epochs, modelVersion, parentVersion, evaluation);
    }
}
