package io.liverseg.training;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Timestamps;
import io.liverseg.proto.events.v1.LabeledScan;
import io.liverseg.storage.RegistrySeeding;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Instant;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * LabeledScan in → the task's dataset manifest: the case (scan id as its name) with its stable split, hashes and
 * keys; a correction replaces the case's label. A label that is not on its scan's grid (or unreadable, or with
 * values that are not classes of the task) is refused: recorded under {@code refused} in the manifest with the
 * reason, and the record goes to the dead-letter topic with it. A dataset change may queue a run
 * ({@link Runs#onDatasetChanged}).
 */
@ApplicationScoped
public class LabeledScanConsumer {
    /** LabeledScan in. */
    public static final String IN = "labeled-in";
    private static final Logger LOG = Logger.getLogger(LabeledScanConsumer.class);

    private final LabelInspector inspector;
    private final DatasetStore datasets;
    private final Runs runs;
    private final RegistrySeeding seeder;
    private final TrainingServiceConfig config;

    LabeledScanConsumer(LabelInspector inspector, DatasetStore datasets, Runs runs, RegistrySeeding seeder,
                        TrainingServiceConfig config) {
        this.inspector = inspector;
        this.datasets = datasets;
        this.runs = runs;
        this.seeder = seeder;
        this.config = config;
    }

    @Incoming(IN)
    @Blocking
    public void onLabeledScan(byte[] payload) throws IOException {
        LabeledScan e;
        try {
            e = LabeledScan.parseFrom(payload);
        } catch (InvalidProtocolBufferException x) {
            throw new IllegalArgumentException("payload is not a liverseg.events.v1.LabeledScan: " + x.getMessage(), x);
        }
        seeder.ensureReady();
        accept(e);
    }

    /** Takes one labelled scan into its dataset (or refuses it, with the reason); idempotent. */
    void accept(LabeledScan e) throws IOException {
        String task = e.getTask().isEmpty() ? config.training().defaultTask() : e.getTask();
        if (!config.training().tasks().contains(task)) {
            throw new IllegalArgumentException("LabeledScan of scan " + e.getScanId() + " names task '" + task
                    + "', not one of " + config.training().tasks());
        }
        String now = Instant.now().toString();
        LabelInspector.Inspected found;
        try {
            found = inspector.inspect(e, RunSettings.classNames(task));
        } catch (LabelInspector.LabelRefusedException refused) {
            datasets.refuse(task, new DatasetManifest.Refusal(e.getScanId(), e.getLabelKey(), refused.field(),
                    refused.getMessage(), now));
            LOG.warnf("label of scan %s refused for the %s dataset: %s", e.getScanId(), task, refused.getMessage());
            throw new IllegalArgumentException("label refused: " + refused.getMessage(), refused);
        }
        String labeledAt = e.hasLabeledAt() ? Timestamps.toString(e.getLabeledAt()) : now;
        DatasetManifest.Case c = new DatasetManifest.Case(e.getScanId(), e.getScanId(), e.getImageKey(), e.getLabelKey(),
                DatasetManifest.splitOf(e.getScanId()), found.imageSha256(), found.labelSha256(),
                e.getSource().isEmpty() ? "upload" : e.getSource(), labeledAt, 0);
        datasets.add(task, c).ifPresentOrElse(m -> {
            DatasetManifest.Case stored = m.find(c.name()).orElseThrow();
            LOG.infof("dataset %s: case %s %s (%s, %s); %d cases, %s", task, c.name(), "correction".equals(c.source())
                    ? "corrected" : "added", stored.split(), c.source(), m.cases().size(), m.fingerprint());
            runs.onDatasetChanged(m);
        }, () -> LOG.infof("dataset %s: case %s unchanged (redelivery)", task, c.name()));
    }
}
