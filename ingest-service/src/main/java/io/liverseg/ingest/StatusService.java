package io.liverseg.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads what {@link ScanStatus#derive} needs from the bucket; no state of its own. */
@ApplicationScoped
public class StatusService {
    private final ObjectStore store;
    private final ObjectMapper json;
    private final List<String> tasks;

    public StatusService(ObjectStore store, ObjectMapper json, IngestConfig config) {
        this.store = store;
        this.json = json;
        this.tasks = List.copyOf(config.tasks());
    }

    public List<String> tasks() {
        return tasks;
    }

    /** The status of a scan, or empty when the bucket knows neither scan.json nor failed.json of it. */
    public Optional<ScanStatus> status(String id) {
        if (!ObjectKeys.isScanId(id)) {
            return Optional.empty();
        }
        Optional<ScanRecord> record = record(id);
        Optional<JsonNode> failed = store.get(ObjectKeys.failure(id)).map(this::parse);
        if (record.isEmpty() && failed.isEmpty()) {
            return Optional.empty();
        }
        List<String> keys = new ArrayList<>(store.list(ObjectKeys.WORK + id + "/"));
        keys.addAll(store.list(ObjectKeys.MASKS + id + "/"));
        Map<String, Integer> batchCounts = new HashMap<>();
        Map<String, String> reportVersions = new HashMap<>();
        for (String key : ScanStatus.filesToRead(keys)) {
            Optional<JsonNode> node = store.get(key).map(this::parse);
            if (node.isEmpty()) {
                continue;
            }
            if (key.endsWith("/batches.json") && node.get().hasNonNull("batch_count")) {
                batchCounts.put(key, node.get().get("batch_count").asInt());
            } else if (key.endsWith("/report.json") && node.get().hasNonNull("model_version")) {
                reportVersions.put(key, node.get().get("model_version").asText());
            }
        }
        String reason = failed.map(n -> n.path("reason").asText("failed")).orElse(null);
        String stage = failed.map(n -> n.path("stage").asText(null)).orElse(null);
        return Optional.of(ScanStatus.derive(tasks, new ScanStatus.Facts(id, record.orElse(null), reason, stage,
                keys, batchCounts, reportVersions)));
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
        if (!ObjectKeys.isScanId(id)) {
            return Optional.empty();
        }
        ObjectNode out = json.createObjectNode();
        out.put("scan_id", id);
        record(id).ifPresent(r -> out.put("file_name", r.fileName()));
        ObjectNode perTask = out.putObject("tasks");
        List<String> keys = store.list(ObjectKeys.MASKS + id + "/");
        for (String key : keys) {
            if (key.endsWith("/report.json")) {
                String task = key.substring((ObjectKeys.MASKS + id + "/").length(), key.length() - "/report.json".length());
                store.get(key).map(this::parse).ifPresent(n -> perTask.set(task, n));
            }
        }
        return perTask.isEmpty() ? Optional.empty() : Optional.of(out);
    }

    private JsonNode parse(byte[] bytes) {
        try {
            return json.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
