package io.liverseg.preprocess;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * work/{scan}/{task}/{version}/batches.json: the batch plan of one scan, task and model version, written
 * before the first batch so a reader knows how many batches to expect, and where they are: tasks that
 * preprocess alike share the batches of one pass, stored in the first task's folder ({@code batches_prefix}),
 * which storage's {@code WorkCleanup} deletes when the last of them has its mask. Deterministic (no timings), so
 * a redelivery writes the same bytes.
 */
public record BatchPlan(
        @JsonProperty("scan_id") String scanId,
        @JsonProperty("task") String task,
        @JsonProperty("model_version") String modelVersion,
        @JsonProperty("batch_count") int batchCount,
        @JsonProperty("total_slices") int totalSlices,
        @JsonProperty("batch_size") int batchSize,
        @JsonProperty("target_size") int targetSize,
        @JsonProperty("channels") int channels,
        @JsonProperty("batches_prefix") String batchesPrefix) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Batches needed for {@code totalSlices} canonical slices. */
    public static int batchCount(int totalSlices, int batchSize) {
        if (totalSlices < 1 || batchSize < 1) {
            throw new IllegalArgumentException("need at least one slice and a batch size >= 1, got " + totalSlices
                    + " slices, batch size " + batchSize);
        }
        return (totalSlices + batchSize - 1) / batchSize;
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static BatchPlan fromJson(byte[] json) throws IOException {
        return JSON.readValue(json, BatchPlan.class);
    }
}
