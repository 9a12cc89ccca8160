package io.liverseg.inference;

import io.liverseg.storage.ModelRegistry;
import io.liverseg.storage.ObjectStore;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * Makes the bucket exist and seeds the model registry from {@code liverseg.registry.seed-dir} on start
 * (idempotent: a task that already has a champion is left alone). If S3 is not reachable at start, the
 * next message tries again before it is processed.
 */
@ApplicationScoped
public class RegistrySeeder {
    private static final Logger LOG = Logger.getLogger(RegistrySeeder.class);

    private final ObjectStore store;
    private final ModelRegistry registry;
    private final InferenceConfig config;
    private volatile boolean ready;

    RegistrySeeder(ObjectStore store, ModelRegistry registry, InferenceConfig config) {
        this.store = store;
        this.registry = registry;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        try {
            ensureReady();
        } catch (RuntimeException | IOException e) {
            LOG.errorf(e, "bucket or registry seeding failed at start (retried with the next message): %s", e.getMessage());
        }
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
