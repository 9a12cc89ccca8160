package io.liverseg.inference;

import io.liverseg.model.DeviceSetting;
import io.liverseg.model.DjlEnvironment;
import io.liverseg.model.predict.Segmenter;
import io.liverseg.storage.ModelRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Loaded model packages by task and exact version (the version a batch was preprocessed for, or the one a gRPC
 * request asked for), fetched from the registry to the local cache directory on first use. At most
 * {@code liverseg.inference.models-per-task} versions per task stay loaded; the least recently used one is
 * evicted. A model is used through a {@link Lease}: an evicted model is closed (its native memory freed) only
 * once its last lease is closed, so the streaming path and gRPC calls can never close a model under each other.
 */
@ApplicationScoped
public class ModelCache {
    private static final Logger LOG = Logger.getLogger(ModelCache.class);

    private final ModelRegistry registry;
    private final InferenceConfig config;
    private final Map<String, LruCache<String, Entry>> byTask = new HashMap<>();
    private DeviceSetting device;

    ModelCache(ModelRegistry registry, InferenceConfig config) {
        this.registry = registry;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        // before anything loads the engine: offline mode, thread and OpenMP settings, forward lanes
        device = DeviceSetting.parse(config.inference().device());
        int lanes = DjlEnvironment.initForInference(config.inference().lanes(), device);
        LOG.infof("forward passes: %d at once", lanes);
        if (DjlEnvironment.glibcTunables() != null) {
            LOG.infof("native malloc: %s=%s", DjlEnvironment.GLIBC_TUNABLES_ENV, DjlEnvironment.glibcTunables());
        } else {
            LOG.infof("%s is not set: on CPU every forward pass page-faults its tensors in again; %s=%s makes it"
                    + " 30-45 %% faster (README, inference-service)", DjlEnvironment.GLIBC_TUNABLES_ENV,
                    DjlEnvironment.GLIBC_TUNABLES_ENV, DjlEnvironment.MALLOC_TUNABLES);
        }
    }

    /** A loaded model in use; close it when done (the model stays cached). */
    public final class Lease implements AutoCloseable {
        private final Entry entry;
        private boolean closed;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        public Segmenter segmenter() {
            return entry.segmenter;
        }

        @Override
        public void close() {
            synchronized (ModelCache.this) {
                if (!closed) {
                    closed = true;
                    entry.leases--;
                    entry.closeIfUnused();
                }
            }
        }
    }

    /** The segmenter of one package version, loaded if needed, leased until the lease is closed. */
    public synchronized Lease lease(String task, String version) throws Exception {
        LruCache<String, Entry> cache = byTask.computeIfAbsent(task,
                t -> new LruCache<>(config.inference().modelsPerTask()));
        Entry e = cache.get(version, v -> new Entry(task, v, load(task, v)));
        e.leases++;
        return new Lease(e);
    }

    /** Versions of a task currently loaded, least recently used first. */
    public synchronized List<String> loaded(String task) {
        LruCache<String, Entry> cache = byTask.get(task);
        return cache == null ? List.of() : cache.keys();
    }

    private Segmenter load(String task, String version) throws Exception {
        long t0 = System.nanoTime();
        DjlEnvironment.init();
        if (device == null) {
            device = DeviceSetting.parse(config.inference().device());
        }
        Path dir = registry.fetch(task, version, config.registry().cacheDir());
        Segmenter s = Segmenter.open(dir, device, config.inference().forwardBatch());
        LOG.infof("model %s version %s loaded on %s in %d ms", task, version, device,
                (System.nanoTime() - t0) / 1_000_000);
        return s;
    }

    @PreDestroy
    synchronized void close() {
        byTask.values().forEach(LruCache::close);
        byTask.clear();
    }

    /** A cached model; "closing" it (eviction) closes the model once no lease holds it. Guarded by the cache. */
    private final class Entry implements AutoCloseable {
        private final String task;
        private final String version;
        private final Segmenter segmenter;
        private int leases;
        private boolean evicted;
        private boolean closed;

        Entry(String task, String version, Segmenter segmenter) {
            this.task = task;
            this.version = version;
            this.segmenter = segmenter;
        }

        @Override
        public void close() {
            synchronized (ModelCache.this) {
                evicted = true;
                closeIfUnused();
            }
        }

        void closeIfUnused() {
            if (evicted && leases == 0 && !closed) {
                closed = true;
                segmenter.close();
                LOG.infof("model %s version %s closed", task, version);
            }
        }
    }
}
