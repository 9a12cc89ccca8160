package io.liverseg.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import io.liverseg.storage.status.ScanCatalog;
import io.liverseg.storage.status.ScanStatus;
import io.liverseg.storage.status.ScanStatusReader;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Status and reports of scans, read from the bucket by storage's {@link ScanStatusReader} (shared with
 * inference-service's gRPC GetScan, so both answer the same); no state of its own.
 */
@ApplicationScoped
public class StatusService {
    private final ObjectStore store;
    private final ObjectMapper json;
    private final ScanStatusReader reader;
    private final ScanCatalog catalog;
    /** The scan list's status reads, several at once (each a few small S3 requests); daemon threads. */
    private final ExecutorService listReads = Executors.newFixedThreadPool(ScanCatalog.READS_AT_ONCE, r -> {
        Thread t = new Thread(r, "ingest-scan-list");
        t.setDaemon(true);
        return t;
    });

    public StatusService(ObjectStore store, ObjectMapper json, IngestConfig config) {
        this.store = store;
        this.json = json;
        this.reader = new ScanStatusReader(store, json, List.copyOf(config.tasks()));
        this.catalog = new ScanCatalog(store, reader, listReads);
    }

    @PreDestroy
    void stop() {
        listReads.shutdownNow();
    }

    public List<String> tasks() {
        return reader.tasks();
    }

    /** The status of a scan, or empty when the bucket knows neither scan.json nor failed.json of it. */
    public Optional<ScanStatus> status(String id) {
        return reader.status(id);
    }

    /**
     * A page of the scans the bucket knows, newest record first ({@link ScanCatalog#page}).
     *
     * @throws ScanCatalog.BadRequestException naming the parameter that cannot be used
     */
    public ScanCatalog.Page list(String status, int limit, String cursor) {
        return catalog.page(status, limit, cursor);
    }

    /** scans/{id}/scan.json, or empty. */
    public Optional<ScanRecord> record(String id) {
        return store.get(ObjectKeys.scanRecord(id)).map(b -> {
            try {
                return json.readValue(b, ScanRecord.class);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * The report of every task that has one: {@code {"scan_id", "file_name", "tasks": {task: report.json}}}, or
     * empty when no task has a report yet.
     */
    public Optional<ObjectNode> report(String id) {
        return reader.report(id);
    }
}
