package io.liverseg.training;

import io.liverseg.messaging.KafkaEvents;
import io.liverseg.proto.events.v1.ModelPromoted;
import io.liverseg.storage.ModelRegistry;
import io.liverseg.storage.ObjectKeys;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Every change of a task's champion goes through here, one at a time: the automatic decision at the end of a run,
 * manual promotion and rollback. The registry records it (champion.json, status records, history) and a
 * ModelPromoted event announces it. preprocess-service reads champion.json once per scan and names the version in
 * every SliceBatchReady, and inference loads exactly that version, so a scan in flight finishes on the version it
 * started with and the next scan uses the new champion.
 */
@ApplicationScoped
public class Promotions {
    public static final String PROMOTED = "promoted";
    public static final String REJECTED = "rejected";
    public static final String UNDECIDED = "undecided";
    private static final Logger LOG = Logger.getLogger(Promotions.class);

    private final ModelRegistry registry;
    private final Events events;

    Promotions(ModelRegistry registry, Events events) {
        this.registry = registry;
        this.events = events;
    }

    /** A promotion decision and its reason in words. */
    public record Decision(String decision, String reason) {
    }

    /**
     * Promote when there is no champion, or when the candidate's mean foreground Dice exceeds the champion's
     * (same cases) by more than {@code margin}.
     */
    public static Decision decide(String candidateVersion, double candidate, String championVersion, Double champion,
                                  double margin, int cases) {
        if (champion == null) {
            return new Decision(PROMOTED, String.format(Locale.ROOT, "candidate %s (mean foreground Dice %.4f on %d"
                    + " validation cases) promoted: the task had no champion", candidateVersion, candidate, cases));
        }
        boolean promote = candidate > champion + margin;
        return new Decision(promote ? PROMOTED : REJECTED, String.format(Locale.ROOT,
                "candidate %s mean foreground Dice %.4f vs champion %s %.4f on the same %d validation cases; promotion"
                        + " needs more than %.4f (margin %+.4f): %s", candidateVersion, candidate, championVersion,
                champion, cases, champion + margin, margin, promote ? "promoted" : "rejected"));
    }

    /**
     * Applies the end-of-run decision for a candidate evaluated against {@code evaluatedChampion}. When the
     * champion changed meanwhile (a manual promotion during the evaluation), nothing changes: the comparison no
     * longer holds, the candidate stays a candidate.
     */
    public synchronized Decision decideAndApply(String task, String candidateVersion, RunRecord.Score candidate,
                                                String evaluatedChampion, RunRecord.Score champion, double margin,
                                                int cases, String runId) {
        String current = registry.champion(task).map(ModelRegistry.Champion::version).orElse(null);
        if (!java.util.Objects.equals(current, evaluatedChampion)) {
            return new Decision(UNDECIDED, "the champion changed from " + evaluatedChampion + " to " + current
                    + " during the evaluation; candidate " + candidateVersion + " left as candidate (promote it manually"
                    + " or run again)");
        }
        Decision d = decide(candidateVersion, candidate.meanForegroundDice(), evaluatedChampion,
                champion == null ? null : champion.meanForegroundDice(), margin, cases);
        Map<String, Double> metrics = metrics(candidate, champion, margin);
        if (PROMOTED.equals(d.decision())) {
            promote(task, candidateVersion, "promotion", "run " + runId + ": " + d.reason(), metrics);
        } else {
            registry.mark(task, candidateVersion, ModelRegistry.REJECTED, "run " + runId + ": " + d.reason(), metrics);
            LOG.infof("model %s version %s rejected: %s", task, candidateVersion, d.reason());
        }
        return d;
    }

    /**
     * Makes {@code version} the champion and announces it.
     *
     * @param reason promotion, manual, rollback
     * @throws IllegalArgumentException the version is not in the registry
     */
    public synchronized ModelRegistry.Champion promote(String task, String version, String reason, String note,
                                                       Map<String, Double> metrics) {
        ModelRegistry.Champion c = registry.promote(task, version, reason, note, metrics);
        Map<String, Double> recorded = registry.status(task, version).map(ModelRegistry.VersionStatus::metrics)
                .orElse(Map.of());
        Instant at = Instant.parse(c.promotedAt());
        ModelPromoted event = ModelPromoted.newBuilder()
                .setTask(task)
                .setVersion(version)
                .setPreviousVersion(c.previousVersion() == null ? "" : c.previousVersion())
                .setReason(reason)
                .setBucket(registryBucket())
                .setPackagePrefix(ObjectKeys.modelPrefix(task, version))
                .putAllMetrics(recorded)
                .setPromotedAt(KafkaEvents.timestamp(at))
                .build();
        LOG.infof("model %s version %s is the champion (%s, was %s)%s", task, version, reason, c.previousVersion(),
                note == null ? "" : ": " + note);
        try {
            events.promoted(event);
        } catch (RuntimeException e) {
            // the registry is the truth (preprocess reads champion.json per scan); the event only announces it
            LOG.errorf("model %s version %s promoted, but ModelPromoted could not be sent: %s", task, version, e.getMessage());
        }
        return c;
    }

    /**
     * Rollback: makes an earlier version (older than the champion, in version order) the champion again.
     *
     * @throws IllegalStateException the version is not older than the champion
     */
    public synchronized ModelRegistry.Champion rollback(String task, String version, String note) {
        String champion = registry.champion(task).map(ModelRegistry.Champion::version).orElse(null);
        List<String> versions = registry.versions(task);
        if (champion != null && versions.indexOf(version) >= versions.indexOf(champion)) {
            throw new IllegalStateException("version " + version + " is not earlier than the champion " + champion
                    + " of " + task + ": a rollback goes back to an earlier version (use promote for a newer one)");
        }
        return promote(task, version, "rollback", note, null);
    }

    private String registryBucket() {
        return registry.bucket();
    }

    static Map<String, Double> metrics(RunRecord.Score candidate, RunRecord.Score champion, double margin) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("evaluation_mean_foreground_dice", candidate.meanForegroundDice());
        candidate.dice().forEach((k, v) -> m.put("evaluation_dice_" + k, v));
        Optional.ofNullable(champion).ifPresent(c -> m.put("champion_mean_foreground_dice", c.meanForegroundDice()));
        m.put("promotion_margin", margin);
        return m;
    }
}
