package io.liverseg.training;

import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Run records: written through to S3 ({@code training/runs/{id}.json}) on every change, so the queue and the
 * history survive a restart; read from memory (loaded from S3 once). This service is their only writer.
 */
@ApplicationScoped
public class RunStore {
    private static final Logger LOG = Logger.getLogger(RunStore.class);

    private final ObjectStore store;
    private final Map<String, RunRecord> runs = new ConcurrentHashMap<>();
    private volatile boolean loaded;

    RunStore(ObjectStore store) {
        this.store = store;
    }

    /** Reads every run record from S3 (once). */
    public synchronized void load() {
        if (loaded) {
            return;
        }
        for (String key : store.list(ObjectKeys.TRAINING_RUNS)) {
            if (!key.endsWith(".json")) {
                continue;
            }
            try {
                store.get(key).map(b -> Json.read(b, RunRecord.class)).ifPresent(r -> runs.put(r.id(), r));
            } catch (RuntimeException e) {
                LOG.errorf("run record %s is unreadable and ignored: %s", key, e.getMessage());
            }
        }
        loaded = true;
    }

    /** Stores a record (S3 first: a record the API shows is a record a restart finds). */
    public void save(RunRecord r) {
        store.put(ObjectKeys.trainingRun(r.id()), Json.write(r), "application/json");
        runs.put(r.id(), r);
    }

    public Optional<RunRecord> get(String id) {
        load();
        return Optional.ofNullable(runs.get(id));
    }

    /** All runs, newest first. */
    public List<RunRecord> list() {
        load();
        return runs.values().stream().sorted(Comparator.comparing(RunRecord::id).reversed()).toList();
    }

    /** The oldest queued run. */
    public Optional<RunRecord> nextQueued() {
        load();
        return runs.values().stream().filter(r -> RunRecord.QUEUED.equals(r.status()))
                .min(Comparator.comparing(RunRecord::id));
    }

    /** True when a run of the task waits in the queue. */
    public boolean hasQueued(String task) {
        load();
        return runs.values().stream().anyMatch(r -> r.task().equals(task) && RunRecord.QUEUED.equals(r.status()));
    }

    /** The dataset sequence number the task's runs (any status) cover: new-case triggers count from here. */
    public long coveredSeq(String task) {
        load();
        return runs.values().stream().filter(r -> r.task().equals(task)).mapToLong(RunRecord::datasetSeq).max().orElse(0);
    }
}
