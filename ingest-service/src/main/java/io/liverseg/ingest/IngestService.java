package io.liverseg.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.Timestamps;
import io.liverseg.imaging.dataset.DatasetFingerprint;
import io.liverseg.imaging.nifti.ReadLimits;
import io.liverseg.proto.events.v1.LabeledScan;
import io.liverseg.proto.events.v1.ScanDeleted;
import io.liverseg.proto.events.v1.ScanFailed;
import io.liverseg.proto.events.v1.ScanReceived;
import io.liverseg.storage.ModelRegistry;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import io.liverseg.storage.status.ScanStatus;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * The intake both doors share (REST upload and bucket notification): validate everything, then store the image
 * (and label) under {@code scans/{id}/}, then scan.json, then emit ScanReceived (and LabeledScan). The scan id is
 * the SHA-256 of the image bytes; a scan whose scan.json exists is a duplicate and emits nothing.
 */
@ApplicationScoped
public class IngestService {
    private static final Logger LOG = Logger.getLogger(IngestService.class);
    private static final String GZIP_TYPE = "application/gzip";
    private static final String NIFTI_TYPE = "application/octet-stream";
    /** Striped locks: two concurrent intakes of the same bytes in this instance store and emit once. */
    private static final int STRIPES = 64;

    /** Scans stored and announced (not duplicates), by {@code source}: upload or bucket-notification. */
    public static final String METRIC_RECEIVED = "liverseg.scans.received";
    /** Objects put under incoming/ and refused (uploads refused show in the HTTP server's 4xx counts). */
    public static final String METRIC_REFUSED = "liverseg.scans.refused";
    /** Scans deleted on request (DELETE /api/scans/{id}). */
    public static final String METRIC_DELETED = "liverseg.scans.deleted";

    private final ObjectStore store;
    /** The champions a new segmentation is for (read only here). */
    private final ModelRegistry registry;
    private final StatusService status;
    private final MeterRegistry meters;
    private final EventPublisher events;
    private final ObjectMapper json;
    private final NiftiValidator validator;
    private final Path tempDir;
    private final long maxBytes;
    private final Object[] locks = new Object[STRIPES];
    /** The data passes of validation that run beside a spool ({@link DataScanTap}); daemon threads, one per intake. */
    private final ExecutorService dataScans = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ingest-data-scan");
        t.setDaemon(true);
        return t;
    });

    public IngestService(ObjectStore store, StatusService status, EventPublisher events, ObjectMapper json,
                         IngestConfig config, MeterRegistry meters) throws IOException {
        this.store = store;
        this.registry = new ModelRegistry(store);
        this.status = status;
        this.meters = meters;
        this.events = events;
        this.json = json;
        this.validator = new NiftiValidator(new ReadLimits(config.ingest().maxVoxels(),
                config.ingest().maxInflatedBytes()));
        this.tempDir = Files.createDirectories(Path.of(config.ingest().tempDir()
                .orElse(System.getProperty("java.io.tmpdir"))));
        this.maxBytes = config.ingest().maxBytes();
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new Object();
        }
    }

    /** The lock of a scan id's stripe: intake, retry and deletion of one scan never interleave here. */
    private Object lockOf(String id) {
        return locks[Math.floorMod(id.hashCode(), STRIPES)];
    }

    /** A local file of the intake with the name its sender gave it. */
    public record Part(Spooled file, String name) {
    }

    /**
     * What to ingest.
     *
     * @param image       the scan
     * @param label       its ground-truth label, or null
     * @param labelTask   the task whose label convention the label follows (null: {@link Tasks#DEFAULT})
     * @param metadata    client metadata (string to string)
     * @param source      {@link ScanRecord#SOURCE_UPLOAD} or {@link ScanRecord#SOURCE_BUCKET}
     * @param copyFromKey for a bucket object: its key, copied server-side instead of uploading the local file
     */
    public record Intake(Part image, Part label, String labelTask, Map<String, String> metadata, String source,
                         String copyFromKey) {
    }

    /** The outcome: the scan id and whether it was known already (then nothing was stored or emitted). */
    public record Outcome(String scanId, boolean duplicate) {
    }

    public Path tempDir() {
        return tempDir;
    }

    public long maxBytes() {
        return maxBytes;
    }

    public NiftiValidator validator() {
        return validator;
    }

    /** A tap for the next spool (raw body, multipart part, bucket object) to validate its data while it is read. */
    public DataScanTap dataScanTap() {
        return new DataScanTap(validator, dataScans);
    }

    @PreDestroy
    void stop() {
        dataScans.shutdownNow();
    }

    /**
     * Validates and, unless the scan is known, stores and announces it.
     *
     * @throws InvalidScanException the image or label is refused; nothing was stored or emitted
     */
    public Outcome ingest(Intake in) throws InvalidScanException, IOException {
        long t0 = System.nanoTime();
        Part image = in.image();
        if (image.file().size() > maxBytes) {
            throw InvalidScanException.tooLarge(image.name(), maxBytes);
        }
        ScanGeometry geometry = validator.validate(image.file().path(), image.name(), image.file().dataScan());
        if (in.label() != null) {
            if (in.label().file().size() > maxBytes) {
                throw InvalidScanException.tooLarge(in.label().name(), maxBytes);
            }
            validator.validateLabel(in.label().file().path(), in.label().name(), geometry,
                    in.label().file().dataScan());
        }
        String id = image.file().sha256();
        long validated = System.nanoTime();
        synchronized (lockOf(id)) {
            String recordKey = ObjectKeys.scanRecord(id);
            if (store.exists(recordKey)) {
                LOG.infof("scan %s (%s, %s) is already known: nothing stored, nothing emitted", id, image.name(),
                        in.source());
                return new Outcome(id, true);
            }
            String imageKey = ObjectKeys.image(id, image.file().gzip());
            if (in.copyFromKey() != null) {
                store.copy(in.copyFromKey(), imageKey);
            } else {
                store.putFile(imageKey, image.file().path(), image.file().gzip() ? GZIP_TYPE : NIFTI_TYPE);
            }
            String labelKey = null;
            String labelTask = null;
            if (in.label() != null) {
                labelTask = in.labelTask() == null ? Tasks.DEFAULT : in.labelTask();
                labelKey = ObjectKeys.label(id, in.label().file().gzip());
                store.putFile(labelKey, in.label().file().path(), in.label().file().gzip() ? GZIP_TYPE : NIFTI_TYPE);
            }
            Instant now = Instant.now();
            Map<String, String> metadata = in.metadata() == null ? Map.of() : new TreeMap<>(in.metadata());
            ScanRecord record = new ScanRecord(id, image.name(), image.file().size(), imageKey, labelKey, labelTask,
                    in.source(), now.toString(), metadata, geometry, in.copyFromKey());
            store.put(recordKey, toJson(record), "application/json");
            ScanReceived received = scanReceived(record);
            try {
                events.send(received, id, id + ":received");
                if (labelKey != null) {
                    events.send(LabeledScan.newBuilder()
                            .setScanId(id)
                            .setBucket(store.bucket())
                            .setImageKey(imageKey)
                            .setLabelKey(labelKey)
                            .setSource("upload")
                            .setLabeledAt(Timestamps.fromMillis(now.toEpochMilli()))
                            .setTask(labelTask)
                            .build(), id, id + ":labeled");
                }
            } catch (RuntimeException e) {
                // Without the event the pipeline never starts: forget the scan so the same bytes can be retried.
                store.delete(recordKey);
                throw new IllegalStateException("scan " + id + " stored but ScanReceived could not be sent: "
                        + e.getMessage(), e);
            }
            meters.counter(METRIC_RECEIVED, "source", in.source()).increment();
            long end = System.nanoTime();
            LOG.infof("scan %s received from %s: %s (%d bytes, %s, dims %s)%s; validated in %d ms after it was read"
                    + " (its data while it was read), stored and announced in %d ms", id, in.source(), image.name(),
                    image.file().size(), geometry.orientation(), java.util.Arrays.toString(geometry.dims()),
                    labelKey == null ? "" : " with a " + labelTask + " label", (validated - t0) / 1_000_000,
                    (end - validated) / 1_000_000);
            return new Outcome(id, false);
        }
    }

    /** What a retry did: the scan and the failure it cleared. */
    public record Retried(String scanId, ScanFailed cleared) {
    }

    /**
     * Sends a scan that failed after ingest down the pipeline again: removes its failed.json (so its status is no
     * longer failed) and emits ScanReceived anew, with a CloudEvents id of its own. Every stage writes whole
     * objects under deterministic keys and inference skips a task whose mask of that version is done, so what
     * had succeeded is not done twice. For a failure that has passed (a store or broker that was down longer
     * than their retries); the same bytes fail the same way again if the scan itself was at fault.
     *
     * @throws ProblemException 404 unknown scan; 409 a scan that has not failed, or one refused at ingest (nothing
     *                          of it is stored: the client sends a corrected file)
     */
    public Retried retry(String id) {
        ProblemException.requireScanId(id);
        synchronized (lockOf(id)) {
            String failureKey = ObjectKeys.failure(id);
            Optional<byte[]> failedJson = store.get(failureKey);
            Optional<byte[]> recordJson = store.get(ObjectKeys.scanRecord(id));
            if (failedJson.isEmpty()) {
                throw new ProblemException(recordJson.isEmpty()
                        ? Problem.notFound("no scan " + id + " (no scans/" + id + "/scan.json in the bucket)")
                        : Problem.conflict("scan " + id + " has not failed: only a failed scan is sent again"));
            }
            ScanFailed failed = parseFailure(id, failedJson.get());
            if (recordJson.isEmpty()) {
                throw new ProblemException(Problem.conflict("scan " + id + " was refused at " + failed.getStage()
                        + " and nothing of it is stored (" + failed.getReason() + "): upload a corrected file"));
            }
            ScanRecord record = readRecord(id, recordJson.get());
            store.delete(failureKey);
            String ceId = id + ":received:retry:" + Timestamps.toMillis(failed.getFailedAt());
            try {
                events.send(scanReceived(record), id, ceId);
            } catch (RuntimeException e) {
                // without the event nothing runs again: keep the scan failed, so the retry can be repeated
                store.put(failureKey, failedJson.get(), "application/json");
                throw new IllegalStateException("scan " + id + ": ScanReceived could not be sent again: "
                        + e.getMessage(), e);
            }
            LOG.infof("scan %s sent down the pipeline again (%s); the failure it had: %s", id, ceId,
                    failed.getReason());
            return new Retried(id, failed);
        }
    }

    /** A task's model change in a new segmentation: the version of its current mask (null: none) and the champion's. */
    public record Change(String from, String to) {
    }

    /** What a new segmentation will do: per task whose champion is not the version of its mask. */
    public record Resegmented(String scanId, Map<String, Change> tasks) {
    }

    /**
     * Sends a finished scan down the pipeline again so that the current champion models segment it, after a
     * promotion: emits ScanReceived anew with a CloudEvents id naming the champions. Each task whose champion made
     * its mask already is skipped by inference (its mask of that version is done); the others get a new mask,
     * report and MaskReady of the new version, which replace the old mask under the same keys.
     *
     * @throws ProblemException 404 unknown scan; 409 a scan still being processed, a failed one (retry it), or one
     *                          whose masks all come from the current champions already
     */
    public Resegmented resegment(String id) {
        ProblemException.requireScanId(id);
        synchronized (lockOf(id)) {
            byte[] recordJson = store.get(ObjectKeys.scanRecord(id)).orElseThrow(() -> new ProblemException(
                    Problem.notFound("no scan " + id + " (no scans/" + id + "/scan.json in the bucket)")));
            // empty only when the scan was deleted between the two reads
            ScanStatus current = status.status(id).orElseThrow(() -> new ProblemException(
                    Problem.notFound("no scan " + id)));
            if (ScanStatus.FAILED.equals(current.status())) {
                throw new ProblemException(Problem.conflict("scan " + id + " has failed (" + current.reason()
                        + "): send it again with POST /api/scans/" + id + "/retry"));
            }
            if (!ScanStatus.MASK_READY.equals(current.status())) {
                throw new ProblemException(Problem.conflict("scan " + id + " is still being processed ("
                        + current.progress() + "): segment it again once its masks are ready"));
            }
            Map<String, Change> changes = new TreeMap<>();
            List<String> same = new ArrayList<>();
            for (String task : status.tasks()) {
                Optional<ModelRegistry.Champion> champion = registry.champion(task);
                if (champion.isEmpty()) {
                    continue;
                }
                ScanStatus.TaskStatus t = current.tasks().get(task);
                String done = t != null && ScanStatus.MASK_READY.equals(t.status()) ? t.modelVersion() : null;
                if (champion.get().version().equals(done)) {
                    same.add(task + " v" + done);
                } else {
                    changes.put(task, new Change(done, champion.get().version()));
                }
            }
            if (changes.isEmpty()) {
                throw new ProblemException(Problem.conflict(same.isEmpty()
                        ? "no task has a champion model in the registry: nothing to segment scan " + id + " with"
                        : "scan " + id + " is segmented by the current champions already (" + String.join(", ", same)
                                + ")"));
            }
            StringBuilder ceId = new StringBuilder(id).append(":received:resegment");
            changes.forEach((task, c) -> ceId.append(':').append(task).append('=').append(c.to()));
            try {
                events.send(scanReceived(readRecord(id, recordJson)), id, ceId.toString());
            } catch (RuntimeException e) {
                throw new IllegalStateException("scan " + id + ": ScanReceived could not be sent again: "
                        + e.getMessage(), e);
            }
            LOG.infof("scan %s sent down the pipeline again for the current champions: %s", id, changes);
            return new Resegmented(id, changes);
        }
    }

    /** What a deletion removed: the number of objects, the scan's incoming/ object among them if it had one. */
    public record Deleted(String scanId, int objects) {
    }

    /**
     * Deletes a scan and everything made from it from the bucket: {@code scans/{id}/} (image, label, scan.json,
     * failed.json), {@code work/{id}/}, {@code masks/{id}/}, and the incoming/ object it came from while that still
     * holds its bytes. ScanDeleted is sent first (training-service drops the scan from its datasets): if it cannot
     * be sent, nothing is deleted. scan.json and failed.json go last, so a deletion cut short is still a known scan
     * and a second call finishes it. The same bytes uploaded afterwards are a new scan.
     *
     * @throws ProblemException 404 unknown scan; 409 a scan still being processed (its stages would fail on the
     *                          missing image and write failed.json again): delete it once its masks are ready or it
     *                          has failed
     */
    public Deleted delete(String id) {
        ProblemException.requireScanId(id);
        synchronized (lockOf(id)) {
            Optional<byte[]> recordJson = store.get(ObjectKeys.scanRecord(id));
            Optional<byte[]> failedJson = store.get(ObjectKeys.failure(id));
            List<String> keys = new ArrayList<>(store.list(ObjectKeys.scanPrefix(id)));
            keys.addAll(store.list(ObjectKeys.WORK + id + "/"));
            keys.addAll(store.list(ObjectKeys.MASKS + id + "/"));
            if (keys.isEmpty()) {
                throw new ProblemException(Problem.notFound("no scan " + id + " (nothing of it in the bucket)"));
            }
            if (recordJson.isPresent() && failedJson.isEmpty()) {
                String current = status.status(id).map(ScanStatus::status).orElse(ScanStatus.PREPROCESSING);
                if (!ScanStatus.MASK_READY.equals(current)) {
                    throw new ProblemException(Problem.conflict("scan " + id + " is being processed (status "
                            + current + "): delete it once its masks are ready or it has failed"));
                }
            }
            ScanRecord record = recordJson.map(b -> readRecord(id, b)).orElse(null);
            List<String> sources = new ArrayList<>();
            if (record != null && record.sourceKey() != null) {
                sources.add(record.sourceKey());
            }
            failedJson.map(b -> parseFailure(id, b).getObjectKey())
                    .filter(k -> k.startsWith(ObjectKeys.INCOMING) && !sources.contains(k))
                    .ifPresent(sources::add);

            Instant now = Instant.now();
            try {
                events.send(ScanDeleted.newBuilder()
                        .setScanId(id)
                        .setDeletedAt(Timestamps.fromMillis(now.toEpochMilli()))
                        .setLabelTask(record == null || record.labelTask() == null ? "" : record.labelTask())
                        .build(), id, id + ":deleted:" + now.toEpochMilli());
            } catch (RuntimeException e) {
                throw new IllegalStateException("scan " + id + ": ScanDeleted could not be sent, nothing was deleted: "
                        + e.getMessage(), e);
            }
            List<String> records = List.of(ObjectKeys.scanRecord(id), ObjectKeys.failure(id));
            store.deleteAll(keys.stream().filter(k -> !records.contains(k)).toList());
            int objects = keys.size();
            for (String source : sources) {
                if (holdsScan(source, id)) {
                    store.delete(source);
                    objects++;
                }
            }
            store.deleteAll(keys.stream().filter(records::contains).toList());
            meters.counter(METRIC_DELETED).increment();
            LOG.infof("scan %s deleted on request: %d object(s)%s", id, objects,
                    sources.isEmpty() ? "" : " (incoming object " + String.join(", ", sources) + " checked)");
            return new Deleted(id, objects);
        }
    }

    /** True when the object exists and its bytes hash to {@code id}: an exporter may have put a new file there. */
    private boolean holdsScan(String key, String id) {
        Optional<InputStream> in = store.open(key);
        if (in.isEmpty()) {
            return false;
        }
        try (InputStream s = in.get()) {
            return DatasetFingerprint.streamHash(s).equals(id);
        } catch (IOException e) {
            throw new IllegalStateException("reading " + store.bucket() + "/" + key + " failed: " + e.getMessage(), e);
        }
    }

    private ScanReceived scanReceived(ScanRecord record) {
        return ScanReceived.newBuilder()
                .setScanId(record.scanId())
                .setBucket(store.bucket())
                .setImageKey(record.imageKey())
                .setLabelKey(record.labelKey() == null ? "" : record.labelKey())
                .setLabelTask(record.labelTask() == null ? "" : record.labelTask())
                .setFileName(record.fileName())
                .setSizeBytes(record.sizeBytes())
                .setSource(record.source())
                .setReceivedAt(Timestamps.fromMillis(Instant.parse(record.receivedAt()).toEpochMilli()))
                .setGeometry(record.geometry().toProto())
                .putAllMetadata(record.metadata() == null ? Map.of() : record.metadata())
                .build();
    }

    private ScanFailed parseFailure(String id, byte[] failedJson) {
        ScanFailed.Builder failed = ScanFailed.newBuilder();
        try {
            JsonFormat.parser().ignoringUnknownFields().merge(new String(failedJson, StandardCharsets.UTF_8), failed);
        } catch (InvalidProtocolBufferException e) {
            // the bucket's record is damaged (a 500, not a 503: sending again would not help)
            throw new UncheckedIOException("scans/" + id + "/failed.json is not a ScanFailed: " + e.getMessage(), e);
        }
        return failed.build();
    }

    private ScanRecord readRecord(String id, byte[] recordJson) {
        try {
            return json.readValue(recordJson, ScanRecord.class);
        } catch (IOException e) {
            throw new UncheckedIOException("scans/" + id + "/scan.json is not a scan record: " + e.getMessage(), e);
        }
    }

    /**
     * Records that a scan failed at ingest: scans/{id}/failed.json and ScanFailed.
     *
     * @param id        SHA-256 of the refused bytes
     * @param objectKey the object that was refused
     * @param reason    one line for humans
     * @param e         the refusal (file, field)
     */
    public ScanFailed fail(String id, String objectKey, String reason, InvalidScanException e) {
        ScanFailed failed = ScanFailed.newBuilder()
                .setScanId(id)
                .setStage("ingest")
                .setReason(reason)
                .setErrorType(e.tooLarge() ? "TooLarge" : "NiftiException")
                .setFile(e.file() == null ? "" : e.file())
                .setField(e.field() == null ? "" : e.field())
                .setBucket(store.bucket())
                .setObjectKey(objectKey)
                .setFailedAt(Timestamps.fromMillis(System.currentTimeMillis()))
                .build();
        try {
            String text = JsonFormat.printer().preservingProtoFieldNames().print(failed);
            store.put(ObjectKeys.failure(id), text.getBytes(StandardCharsets.UTF_8), "application/json");
        } catch (InvalidProtocolBufferException x) {
            throw new IllegalStateException(x);
        }
        events.send(failed, id, id + ":ingest:failed");
        meters.counter(METRIC_REFUSED, "source", ScanRecord.SOURCE_BUCKET).increment();
        return failed;
    }

    private byte[] toJson(ScanRecord record) {
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsBytes(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
