package io.liverseg.training;

import io.liverseg.messaging.KafkaEvents;
import io.liverseg.proto.EventType;
import io.liverseg.proto.events.v1.ModelPromoted;
import io.liverseg.proto.events.v1.TrainingProgress;
import io.liverseg.proto.events.v1.TrainingRunFinished;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/**
 * The events training-service emits, protobuf bytes in CloudEvents binary mode keyed by task: TrainingProgress,
 * TrainingRunFinished and ModelPromoted. Progress is best effort (a broker hiccup never fails a run; the run
 * record in S3 has the same facts); ModelPromoted waits for the broker.
 */
@ApplicationScoped
public class Events {
    /** Outgoing channel of {@link EventType#TRAINING_PROGRESS}. */
    public static final String PROGRESS_OUT = "training-progress";
    /** Outgoing channel of {@link EventType#TRAINING_RUN_FINISHED}. */
    public static final String FINISHED_OUT = "training-finished";
    /** Outgoing channel of {@link EventType#MODEL_PROMOTED}. */
    public static final String PROMOTED_OUT = "model-promoted";
    static final URI SOURCE = URI.create("/liverseg/training");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Logger LOG = Logger.getLogger(Events.class);

    private final MutinyEmitter<byte[]> progress;
    private final MutinyEmitter<byte[]> finished;
    private final MutinyEmitter<byte[]> promoted;

    Events(@Channel(PROGRESS_OUT) MutinyEmitter<byte[]> progress, @Channel(FINISHED_OUT) MutinyEmitter<byte[]> finished,
           @Channel(PROMOTED_OUT) MutinyEmitter<byte[]> promoted) {
        this.progress = progress;
        this.finished = finished;
        this.promoted = promoted;
    }

    void progress(TrainingProgress p) {
        String ceId = p.getRunId() + ":" + p.getStatus() + ":" + p.getEpoch() + ":" + p.getStep() + ":" + p.getReason().hashCode();
        try {
            progress.sendMessage(KafkaEvents.message(p, SOURCE, ceId, p.getTask()))
                    .await()
                    .atMost(TIMEOUT);
        } catch (RuntimeException e) {
            LOG.warnf("run %s: progress event not sent: %s", p.getRunId(), e.getMessage());
        }
    }

    void finished(TrainingRunFinished f) {
        try {
            finished.sendMessage(KafkaEvents.message(f, SOURCE, f.getRunId() + ":finished", f.getTask()))
                    .await()
                    .atMost(TIMEOUT);
        } catch (RuntimeException e) {
            LOG.errorf("run %s: TrainingRunFinished not sent (the run record has the result): %s", f.getRunId(),
                    e.getMessage());
        }
    }

    /** Sends ModelPromoted and waits for the broker; a failure is thrown (the caller reports it). */
    void promoted(ModelPromoted m) {
        String ceId = m.getTask() + ":" + m.getVersion() + ":" + m.getReason() + ":" + m.getPromotedAt().getSeconds()
                + "." + m.getPromotedAt().getNanos();
        promoted.sendMessage(KafkaEvents.message(m, SOURCE, ceId, m.getTask()))
                .await()
                .atMost(TIMEOUT);
    }
}
