package io.liverseg.training;

import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;

/**
 * The dataset manifests in S3 ({@code datasets/{task}/manifest.json}). Changes are read-modify-write under this
 * object's lock; this service is the manifests' only writer (one instance).
 */
@ApplicationScoped
public class DatasetStore {
    private final ObjectStore store;

    DatasetStore(ObjectStore store) {
        this.store = store;
    }

    /** The task's manifest (an empty one before the first labelled case). */
    public synchronized DatasetManifest get(String task) {
        return store.get(ObjectKeys.datasetManifest(task))
                .map(b -> Json.read(b, DatasetManifest.class))
                .orElseGet(() -> DatasetManifest.empty(task));
    }

    /** Adds or corrects a case; empty when the manifest already had it exactly (a redelivery). */
    public synchronized Optional<DatasetManifest> add(String task, DatasetManifest.Case c) {
        Optional<DatasetManifest> next = get(task).withCase(c, Instant.now().toString());
        next.ifPresent(this::put);
        return next;
    }

    /** Records a refused label in the manifest. */
    public synchronized DatasetManifest refuse(String task, DatasetManifest.Refusal r) {
        DatasetManifest next = get(task).withRefusal(r);
        put(next);
        return next;
    }

    /** Drops a deleted scan from the task's manifest; empty when the manifest had nothing of it. */
    public synchronized Optional<DatasetManifest> forget(String task, String scanId) {
        Optional<DatasetManifest> next = get(task).withoutScan(scanId, Instant.now().toString());
        next.ifPresent(this::put);
        return next;
    }

    private void put(DatasetManifest m) {
        store.put(ObjectKeys.datasetManifest(m.task()), Json.write(m), "application/json");
    }
}
