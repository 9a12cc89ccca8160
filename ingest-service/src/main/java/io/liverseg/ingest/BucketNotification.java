package io.liverseg.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The S3 event JSON that MinIO's {@code notify_kafka} target publishes:
 * {@code {"EventName":"s3:ObjectCreated:Put","Key":"bucket/dir/x.nii.gz","Records":[{"eventVersion":"2.0",
 * "eventSource":"minio:s3","eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"bucket"},"object":{"key":
 * "dir%2Fx.nii.gz","size":123,"eTag":"..."}}}]}}. Object keys in Records are URL-encoded (MinIO escapes them as
 * a query string does: {@code /} as {@code %2F}, a space as {@code +}).
 */
public final class BucketNotification {
    private static final ObjectMapper JSON = new ObjectMapper();

    private BucketNotification() {
    }

    /**
     * One record of an event.
     *
     * @param eventName e.g. {@code s3:ObjectCreated:Put}
     * @param bucket    bucket name
     * @param key       object key, decoded
     * @param size      object size in bytes, -1 when absent
     */
    public record ObjectEvent(String eventName, String bucket, String key, long size) {
        /** Any s3:ObjectCreated:* event (Put, Post, Copy, CompleteMultipartUpload). */
        public boolean isCreated() {
            return eventName != null && eventName.startsWith("s3:ObjectCreated:");
        }

        /** The file name part of the key. */
        public String fileName() {
            return key.substring(key.lastIndexOf('/') + 1);
        }
    }

    /**
     * The records of one notification.
     *
     * @throws IllegalArgumentException the payload is not a MinIO/S3 event (not JSON, no Records array)
     */
    public static List<ObjectEvent> parse(String payload) {
        JsonNode root;
        try {
            root = JSON.readTree(payload == null ? "" : payload);
        } catch (IOException e) {
            throw new IllegalArgumentException("bucket notification is not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject() || !root.path("Records").isArray()) {
            throw new IllegalArgumentException("bucket notification has no Records array (not an S3 event): "
                    + abbreviate(payload));
        }
        List<ObjectEvent> out = new ArrayList<>();
        for (JsonNode r : root.get("Records")) {
            String eventName = r.path("eventName").asText(root.path("EventName").asText(null));
            JsonNode s3 = r.path("s3");
            String bucket = s3.path("bucket").path("name").asText(null);
            String rawKey = s3.path("object").path("key").asText(null);
            if (bucket == null || rawKey == null) {
                throw new IllegalArgumentException("bucket notification record without s3.bucket.name or"
                        + " s3.object.key: " + abbreviate(r.toString()));
            }
            long size = s3.path("object").path("size").asLong(-1);
            out.add(new ObjectEvent(eventName, bucket, URLDecoder.decode(rawKey, StandardCharsets.UTF_8), size));
        }
        return out;
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
