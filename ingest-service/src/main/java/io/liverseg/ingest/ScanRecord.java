package io.liverseg.ingest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * {@code scans/{scan}/scan.json}: the ingest record of a scan (see the mesh conventions). Its presence is what
 * makes a scan known: a second upload of the same bytes finds it and does not start the pipeline again.
 * {@code source_key} is the object under incoming/ a bucket-notification scan was copied from (null for uploads),
 * which a deletion removes too while it still holds the scan's bytes.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ScanRecord(
        @JsonProperty("scan_id") String scanId,
        @JsonProperty("file_name") String fileName,
        @JsonProperty("size_bytes") long sizeBytes,
        @JsonProperty("image_key") String imageKey,
        @JsonProperty("label_key") String labelKey,
        @JsonProperty("label_task") String labelTask,
        @JsonProperty("source") String source,
        @JsonProperty("received_at") String receivedAt,
        @JsonProperty("metadata") Map<String, String> metadata,
        @JsonProperty("geometry") ScanGeometry geometry,
        @JsonProperty("source_key") String sourceKey) {

    /** {@code source} of a REST upload. */
    public static final String SOURCE_UPLOAD = "upload";
    /** {@code source} of an object put straight into the bucket under incoming/. */
    public static final String SOURCE_BUCKET = "bucket-notification";
}
