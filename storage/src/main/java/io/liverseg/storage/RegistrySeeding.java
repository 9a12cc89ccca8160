package io.liverseg.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Makes a service's bucket exist and seeds the model registry from a folder of model packages (the repository's
 * {@code models/}, {@link ModelRegistry#seedAll}) once per process. Every service that reads or writes models calls
 * {@link #ensureReady} before its first piece of work, so whichever starts first seeds; seeding is idempotent (a
 * task that has a champion is left alone). A failure (S3 not reachable yet) leaves it not ready, and the next call
 * tries again. Thread-safe.
 */
public final class RegistrySeeding {
    private final ObjectStore store;
    private final ModelRegistry registry;
    private final Optional<Path> seedDir;
    private final Consumer<String> log;
    private volatile boolean ready;

    /**
     * @param seedDir the folder of packages to seed from, or empty to only create the bucket
     * @param log     where to tell what was seeded (one line per task)
     */
    public RegistrySeeding(ObjectStore store, ModelRegistry registry, Optional<Path> seedDir, Consumer<String> log) {
        this.store = Objects.requireNonNull(store, "store");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.seedDir = Objects.requireNonNull(seedDir, "seedDir");
        this.log = Objects.requireNonNull(log, "log");
    }

    /** Creates the bucket and seeds the registry, the first time it succeeds; afterwards returns at once. */
    public void ensureReady() throws IOException {
        if (ready) {
            return;
        }
        synchronized (this) {
            if (ready) {
                return;
            }
            store.ensureBucket();
            if (seedDir.isPresent()) {
                seed(seedDir.get());
            }
            ready = true;
        }
    }

    /**
     * As {@link #ensureReady} for a service's start, where a failure must not stop the service (the next piece of
     * work tries again).
     *
     * @return the failure, or empty when the registry is ready
     */
    public Optional<Exception> tryEnsureReady() {
        try {
            ensureReady();
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of(e);
        }
    }

    public boolean isReady() {
        return ready;
    }

    private void seed(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            log.accept("liverseg.registry.seed-dir " + dir + " is not a directory: nothing seeded");
            return;
        }
        registry.seedAll(dir).forEach((task, c) -> log.accept("registry: task " + task + " champion version "
                + c.version() + " (" + c.reason() + ", seeded from " + dir + ")"));
    }
}
