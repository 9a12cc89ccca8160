package io.liverseg.training;

import com.google.protobuf.InvalidProtocolBufferException;
import io.liverseg.proto.events.v1.ScanDeleted;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.RegistrySeeding;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * ScanDeleted in (a scan deleted on request at ingest) → the scan is dropped from every task's dataset manifest:
 * its case and any refusal of its label, the fingerprint recomputed. The next run trains without it (its image and
 * label are gone from the bucket, so a run that still listed it would fail). Models trained on it before stay as
 * they are. Idempotent: a redelivery finds nothing to drop.
 */
@ApplicationScoped
public class ScanDeletedConsumer {
    /** ScanDeleted in. */
    public static final String IN = "deleted-in";
    private static final Logger LOG = Logger.getLogger(ScanDeletedConsumer.class);

    private final DatasetStore datasets;
    private final RegistrySeeding seeder;
    private final TrainingServiceConfig config;

    ScanDeletedConsumer(DatasetStore datasets, RegistrySeeding seeder, TrainingServiceConfig config) {
        this.datasets = datasets;
        this.seeder = seeder;
        this.config = config;
    }

    @Incoming(IN)
    @Blocking
    public void onScanDeleted(byte[] payload) throws IOException {
        ScanDeleted e;
        try {
            e = ScanDeleted.parseFrom(payload);
        } catch (InvalidProtocolBufferException x) {
            throw new IllegalArgumentException("payload is not a liverseg.events.v1.ScanDeleted: " + x.getMessage(), x);
        }
        if (!ObjectKeys.isScanId(e.getScanId())) {
            throw new IllegalArgumentException("ScanDeleted names no scan id: '" + e.getScanId() + "'");
        }
        seeder.ensureReady();
        for (String task : config.training().tasks()) {
            datasets.forget(task, e.getScanId()).ifPresentOrElse(
                    m -> LOG.infof("dataset %s: scan %s deleted at ingest, dropped; %d cases, %s", task,
                            e.getScanId(), m.cases().size(), m.fingerprint()),
                    () -> LOG.debugf("dataset %s: nothing of deleted scan %s", task, e.getScanId()));
        }
    }
}
