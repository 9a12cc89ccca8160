package io.liverseg.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.util.Timestamps;
import io.liverseg.imaging.nifti.NiftiHeader;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.nifti.ReadLimits;
import io.liverseg.proto.events.v1.LabeledScan;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * A radiologist's label for a scan that is already stored (a correction, or a label added later): validated like an
 * uploaded label against the stored image's grid (read from the image's header in the bucket), stored as
 * {@code scans/{id}/label.nii[.gz]} (replacing the label there), announced as LabeledScan with source
 * {@code correction}. Nothing else changes: scan.json, masks and reports stay as they are.
 */
@ApplicationScoped
public class LabelService {
    /** Source of a LabeledScan for a label added after the upload. */
    public static final String SOURCE_CORRECTION = "correction";
    /** Bytes of the stored image read for its header (a NIfTI header, also inside gzip, is far smaller). */
    static final int HEADER_BYTES = 1 << 20;
    private static final Logger LOG = Logger.getLogger(LabelService.class);

    private final ObjectStore store;
    private final IngestService ingest;
    private final EventPublisher events;
    private final ObjectMapper json;
    private final IngestConfig config;
    private final NiftiReader reader;

    public LabelService(ObjectStore store, IngestService ingest, EventPublisher events, ObjectMapper json,
                        IngestConfig config) {
        this.store = store;
        this.ingest = ingest;
        this.events = events;
        this.json = json;
        this.config = config;
        this.reader = new NiftiReader(new ReadLimits(config.ingest().maxVoxels(), config.ingest().maxInflatedBytes()));
    }

    /**
     * The stored label.
     *
     * @param scanId   the scan
     * @param labelKey where the label is now
     * @param task     the dataset it belongs to
     * @param source   always {@link #SOURCE_CORRECTION}
     * @param sha256   SHA-256 of the label bytes
     */
    @com.fasterxml.jackson.databind.annotation.JsonNaming(
            com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Stored(String scanId, String labelKey, String task, String source, String sha256) {
    }

    /**
     * Validates, stores and announces a label for a stored scan.
     *
     * @throws ProblemException 404 for an unknown scan, 400 for an unknown task
     * @throws InvalidScanException the label is not a valid NIfTI or not on the image's grid (nothing stored)
     */
    public Stored correct(String scanId, Spooled label, String name, String task) throws InvalidScanException, IOException {
        String t = Tasks.resolve(task, config.tasks(), "task");
        ProblemException.requireScanId(scanId);
        JsonNode record = store.get(ObjectKeys.scanRecord(scanId)).map(this::parse)
                .orElseThrow(() -> new ProblemException(Problem.notFound("no scan " + scanId + " (no scans/" + scanId
                        + "/scan.json in the bucket)")));
        String imageKey = record.path("image_key").asText("");
        if (label.size() > ingest.maxBytes()) {
            throw InvalidScanException.tooLarge(name, ingest.maxBytes());
        }
        ScanGeometry image = imageGeometry(scanId, imageKey);
        ingest.validator().validateLabel(label.path(), name, image, label.dataScan());
        String labelKey = ObjectKeys.label(scanId, label.gzip());
        store.putFile(labelKey, label.path(), label.gzip() ? "application/gzip" : "application/octet-stream");
        Instant now = Instant.now();
        LabeledScan event = LabeledScan.newBuilder()
                .setScanId(scanId)
                .setBucket(store.bucket())
                .setImageKey(imageKey)
                .setLabelKey(labelKey)
                .setSource(SOURCE_CORRECTION)
                .setLabeledAt(Timestamps.fromMillis(now.toEpochMilli()))
                .setTask(t)
                .build();
        try {
            events.send(event, scanId, scanId + ":labeled:" + SOURCE_CORRECTION + ":" + label.sha256());
        } catch (RuntimeException e) {
            throw new IllegalStateException("label of scan " + scanId + " stored as " + labelKey
                    + " but LabeledScan could not be sent (send the label again): " + e.getMessage(), e);
        }
        LOG.infof("scan %s: label %s (%s, %d bytes) stored as %s for task %s", scanId, name, label.sha256(), label.size(),
                labelKey, t);
        return new Stored(scanId, labelKey, t, SOURCE_CORRECTION, label.sha256());
    }

    /** The stored image's grid, from the header at the start of the object. */
    private ScanGeometry imageGeometry(String scanId, String imageKey) throws IOException {
        Path head = Files.createTempFile(ingest.tempDir(), "image-head-", imageKey.endsWith(".gz") ? ".nii.gz" : ".nii");
        try {
            Optional<InputStream> in = imageKey.isEmpty() ? Optional.empty() : store.open(imageKey);
            if (in.isEmpty()) {
                throw new ProblemException(Problem.notFound("scan " + scanId + " has no stored image (" + imageKey + ")"));
            }
            try (InputStream s = in.get(); OutputStream out = Files.newOutputStream(head)) {
                out.write(s.readNBytes(HEADER_BYTES));
            }
            NiftiHeader h;
            try {
                h = reader.readHeader(head);
            } catch (IOException | RuntimeException partial) {
                store.download(imageKey, head); // a header with extensions beyond the first MiB
                h = reader.readHeader(head);
            }
            long[] dim = h.dim();
            int[] dims = {(int) dim[1], dim[0] >= 2 ? (int) dim[2] : 1, dim[0] >= 3 ? (int) dim[3] : 1};
            return ScanGeometry.of(dims, h.affine());
        } finally {
            Files.deleteIfExists(head);
        }
    }

    private JsonNode parse(byte[] b) {
        try {
            return json.readTree(b);
        } catch (IOException e) {
            throw new IllegalStateException("scan.json is not JSON: " + e.getMessage(), e);
        }
    }
}
