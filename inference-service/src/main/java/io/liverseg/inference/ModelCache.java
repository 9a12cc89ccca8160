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
 * Loaded model packages by task and exact version (the version a batch was preprocessed for), fetched from the
 * registry to the local cache directory on first use. At most {@code liverseg.inference.models-per-task}
 * versions per task stay loaded; the least recently used one is closed (its native memory freed).
 */
@ApplicationScoped
public class ModelCache {
    private static final Logger LOG = Logger.getLogger(ModelCache.class);

    private final ModelRegistry registry;
    private final InferenceConfig config;
    private final Map<String, LruCache<String, Segmenter>> byTask = new HashMap<>();
    private DeviceSetting device;

    ModelCache(ModelRegistry registry, InferenceConfig config) {
        this.registry = registry;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        // before anything loads the engine: offline mode, thread and OpenMP settings
        DjlEnvironment.init();
        device = DeviceSetting.parse(config.inference().device());
    }

    /** The segmenter of one package version, loaded if needed. */
    public synchronized Segmenter get(String task, String version) throws Exception {
        LruCache<String, Segmenter> cache = byTask.computeIfAbsent(task,
                t -> new LruCache<>(config.inference().modelsPerTask()));
        return cache.get(version, v -> load(task, v));
    }

    /** Versions of a task currently loaded, least recently used first. */
    public synchronized List<String> loaded(String task) {
        LruCache<String, Segmenter> cache = byTask.get(task);
        return cache == null ? List.of() : cache.keys();
    }

    private Segmenter load(String task, String version) throws Exception {
        long t0 = System.nanoTime();
        DjlEnvironment.init();
        if (device == null) {
            device = DeviceSetting.parse(config.inference().device());
        }
        Path dir = registry.fetch(task, version, config.registry().cacheDir());
        Segmenter s = Segmenter.open(dir, device);
        LOG.infof("model %s version %s loaded on %s in %d ms", task, version, device,
                (System.nanoTime() - t0) / 1_000_000);
        return s;
    }

    @PreDestroy
    synchronized void close() {
        byTask.values().forEach(LruCache::close);
        byTask.clear();
    }
}
