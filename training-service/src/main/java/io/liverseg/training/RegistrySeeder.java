package io.liverseg.training;

import io.liverseg.storage.ModelRegistry;
import io.liverseg.storage.ObjectStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * Makes the bucket exist and seeds the model registry from {@code liverseg.registry.seed-dir}, as preprocess and
 * inference do (idempotent: a task with a champion is left alone), so the first candidate has a champion to beat
 * whichever service starts first. Retried before the next piece of work if S3 was not reachable.
 */
@ApplicationScoped
public class RegistrySeeder {
    private static final Logger LOG = Logger.getLogger(RegistrySeeder.class);

    private final ObjectStore store;
    private final ModelRegistry registry;
    private final TrainingServiceConfig config;
    private volatile boolean ready;

    RegistrySeeder(ObjectStore store, ModelRegistry registry, TrainingServiceConfig config) {
        this.store = store;
        this.registry = registry;
        this.config = config;
    }

    /** Creates the bucket and seeds the registry once per process. */
    public void ensureReady() throws IOException {
        if (ready) {
            return;
        }
        synchronized (this) {
            if (ready) {
                return;
            }
            store.ensureBucket();
            if (config.registry().seedDir().isPresent()) {
                seed(config.registry().seedDir().get());
            }
            ready = true;
        }
    }

    private void seed(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            LOG.warnf("liverseg.registry.seed-dir %s is not a directory: nothing seeded", dir);
            return;
        }
        registry.seedAll(dir).forEach((task, c) ->
                LOG.infof("registry: task %s champion version %s (%s, seeded from %s)", task, c.version(), c.reason(), dir));
    }
}
