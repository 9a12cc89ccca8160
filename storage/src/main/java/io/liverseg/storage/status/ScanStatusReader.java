package io.liverseg.storage.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads what {@link ScanStatus#derive} needs from the bucket, and the reports of a scan's tasks; no state of its
 * own, so every instance of every service answers the same. Used by ingest-service (REST status) and
 * inference-service (gRPC GetScan).
 */
public final class ScanStatusReader {
    private final ObjectStore store;
    private final ObjectMapper json;
    private final List<String> tasks;

    /**
     * @param tasks the configured tasks (always listed in a status, in this order)
     */
    public ScanStatusReader(ObjectStore store, ObjectMapper json, List<String> tasks) {
        this.store = store;
        this.json = json;
        this.tasks = List.copyOf(tasks);
    }

    public List<String> tasks() {
        return tasks;
    }

    /** The status of a scan, or empty when the bucket knows neither scan.json nor failed.json of it. */
    public Optional<ScanStatus> status(String id) {
        if (!ObjectKeys.isScanId(id)) {
            return Optional.empty();
        }
        Optional<ScanStatus.ScanSummary> record = summary(id);
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

    /** The fields of scans/{id}/scan.json a status shows, or empty when there is no scan.json. */
    public Optional<ScanStatus.ScanSummary> summary(String id) {
        return store.get(ObjectKeys.scanRecord(id)).map(this::parse).map(n -> new ScanStatus.ScanSummary(
                text(n, "file_name"), text(n, "received_at"), text(n, "source"), text(n, "label_key")));
    }

    /** masks/{id}/{task}/report.json of every task that has one, by task (key order); empty map when none. */
    public Map<String, JsonNode> reports(String id) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (!ObjectKeys.isScanId(id)) {
            return out;
        }
        String prefix = ObjectKeys.MASKS + id + "/";
        for (String key : store.list(prefix)) {
            if (key.endsWith("/report.json")) {
                String task = key.substring(prefix.length(), key.length() - "/report.json".length());
                if (!task.contains("/")) {
                    store.get(key).map(this::parse).ifPresent(n -> out.put(task, n));
                }
            }
        }
        return out;
    }

    /**
     * The report of every task that has one: {@code {"scan_id", "file_name", "tasks": {task: report.json}}}, or
     * empty when no task has a report yet.
     */
    public Optional<ObjectNode> report(String id) {
        Map<String, JsonNode> reports = reports(id);
        if (reports.isEmpty()) {
            return Optional.empty();
        }
        ObjectNode out = json.createObjectNode();
        out.put("scan_id", id);
        summary(id).ifPresent(r -> out.put("file_name", r.fileName()));
        ObjectNode perTask = out.putObject("tasks");
        reports.forEach(perTask::set);
        return Optional.of(out);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private JsonNode parse(byte[] bytes) {
        try {
            return json.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
