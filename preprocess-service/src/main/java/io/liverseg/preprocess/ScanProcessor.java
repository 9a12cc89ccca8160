package io.liverseg.preprocess;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.liverseg.imaging.Affine;
import io.liverseg.imaging.BadInputException;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.geometry.Reorientation;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.preprocess.PreprocessingSpec;
import io.liverseg.imaging.preprocess.SliceBatchCodec;
import io.liverseg.imaging.preprocess.StreamingSlicer;
import io.liverseg.messaging.KafkaEvents;
import io.liverseg.model.pkg.ModelManifest;
import io.liverseg.model.pkg.ModelPackage;
import io.liverseg.proto.SegmentationTasks;
import io.liverseg.proto.events.v1.Geometry;
import io.liverseg.proto.events.v1.ScanFailed;
import io.liverseg.proto.events.v1.ScanReceived;
import io.liverseg.proto.events.v1.SliceBatchReady;
import io.liverseg.storage.ModelRegistry;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import io.liverseg.storage.RegistrySeeding;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * ScanReceived → for each enabled task with a champion model: the scan's canonical slices preprocessed as the
 * package says, written to S3 as {@code .lsb} batches, one SliceBatchReady per batch. The scan is sliced while it
 * streams from S3 and inflates (its voxels in memory, never its file on disk), once for all tasks whose packages
 * preprocess alike, and those tasks' events name the same batch objects.
 *
 * <p>A scan that cannot be read ends in scans/{scan}/failed.json, a ScanFailed event and the dead-letter topic
 * (the exception thrown here nacks the record); the next scan is not affected.
 */
@ApplicationScoped
public class ScanProcessor {
    /** ScanReceived in. */
    public static final String IN = "scans-in";
    /** SliceBatchReady out. */
    public static final String SLICES_OUT = "slices-out";
    /** ScanFailed out. */
    public static final String FAILED_OUT = "failed-out";
    static final String STAGE = "preprocess";
    /** CloudEvents {@code ce_source} of what this service sends. */
    static final URI SOURCE = URI.create("/liverseg/preprocess");

    /** Time from the start of a scan's processing (its read from S3 included) to its last batch sent, per scan. */
    public static final String METRIC_DURATION = "liverseg.preprocess.duration";
    /** ScanFailed events sent, by {@code stage} (here: preprocess). */
    public static final String METRIC_FAILURES = "liverseg.scan.failures";

    private static final Logger LOG = Logger.getLogger(ScanProcessor.class);

    private final ObjectStore store;
    private final ModelRegistry registry;
    private final RegistrySeeding seeder;
    private final PreprocessConfig config;
    private final NiftiReader reader;
    private final MutinyEmitter<byte[]> slices;
    private final MutinyEmitter<byte[]> failures;
    private final MeterRegistry meters;

    ScanProcessor(ObjectStore store, ModelRegistry registry, RegistrySeeding seeder, PreprocessConfig config,
                  NiftiReader reader, @Channel(SLICES_OUT) MutinyEmitter<byte[]> slices,
                  @Channel(FAILED_OUT) MutinyEmitter<byte[]> failures, MeterRegistry meters) {
        this.meters = meters;
        this.store = store;
        this.registry = registry;
        this.seeder = seeder;
        this.config = config;
        this.reader = reader;
        this.slices = slices;
        this.failures = failures;
    }

    /** A task's champion package, ready to preprocess for. */
    record TaskModel(String task, String version, PreprocessingSpec spec) {
    }

    @Incoming(IN)
    @Blocking
    public void onScanReceived(byte[] payload) throws IOException {
        ScanReceived scan;
        try {
            scan = ScanReceived.parseFrom(payload);
        } catch (InvalidProtocolBufferException e) {
            throw new ScanFailedException("payload is not a liverseg.events.v1.ScanReceived: " + e.getMessage(), e);
        }
        seeder.ensureReady();
        process(scan);
    }

    void process(ScanReceived scan) {
        long t0 = System.nanoTime();
        String scanId = scan.getScanId();
        if (!ObjectKeys.isScanId(scanId)) {
            throw fail(scan, null, "scan_id", new IllegalArgumentException("scan_id '" + scanId
                    + "' is not 64 lower-case hex digits"));
        }
        List<String> withChampion = new ArrayList<>();
        List<String> versions = new ArrayList<>();
        for (String task : config.tasks()) {
            Optional<ModelRegistry.Champion> champion = registry.champion(task);
            if (champion.isEmpty()) {
                LOG.warnf("scan %s: no champion model for task %s in the registry, task skipped", scanId, task);
            } else {
                withChampion.add(task);
                versions.add(champion.get().version());
            }
        }
        if (withChampion.isEmpty()) {
            return;
        }
        String currentTask = null;
        try {
            List<TaskModel> models = new ArrayList<>();
            for (int t = 0; t < withChampion.size(); t++) {
                currentTask = withChampion.get(t);
                models.add(model(currentTask, versions.get(t)));
            }
            LOG.debugf("scan %s: champions looked up after %d ms", scanId, (System.nanoTime() - t0) / 1_000_000);
            for (List<TaskModel> pass : passes(models)) {
                currentTask = pass.get(0).task();
                // Sliced as it streams from S3: the first batch leaves after its slices have arrived, not after a
                // download of the whole scan (≈ 0.15–0.2 s for a 77 MB one on the local stack)
                Optional<InputStream> image = store.open(scan.getImageKey());
                if (image.isEmpty()) {
                    throw fail(scan, null, "image_key", new IOException("object " + store.bucket() + "/"
                            + scan.getImageKey() + " does not exist"));
                }
                try (InputStream in = image.get()) {
                    slice(scan, pass, in, t0);
                }
            }
            long elapsed = System.nanoTime() - t0;
            meters.timer(METRIC_DURATION).record(elapsed, TimeUnit.NANOSECONDS);
            LOG.infof("scan %s preprocessed for %s in %d ms", scanId, withChampion, elapsed / 1_000_000);
        } catch (ScanFailedException e) {
            throw e;
        } catch (Exception e) {
            String field = e instanceof BadInputException b ? b.field() : null;
            throw fail(scan, currentTask, field, e);
        }
    }

    private TaskModel model(String task, String version) throws IOException {
        Path dir = registry.fetch(task, version, config.registry().cacheDir());
        ModelManifest manifest = ModelPackage.readManifest(dir);
        return new TaskModel(task, version, manifest.preprocessing().toSpec());
    }

    /**
     * The scan's label for one task's batches, or "" when it has none for that task: a label follows one task's
     * convention (ScanReceived.label_task, empty = liver), and scoring another task's mask against it would give
     * a meaningless Dice.
     */
    static String labelKeyFor(ScanReceived scan, String task) {
        return SegmentationTasks.orDefault(scan.getLabelTask()).equals(task) ? scan.getLabelKey() : "";
    }

    /**
     * The tasks grouped by their preprocessing, in the order each spec first appears: tasks whose packages
     * preprocess alike (the bootstrap liver and vessel models do) share one pass over the scan.
     */
    static List<List<TaskModel>> passes(List<TaskModel> models) {
        Map<PreprocessingSpec, List<TaskModel>> bySpec = new LinkedHashMap<>();
        for (TaskModel m : models) {
            bySpec.computeIfAbsent(m.spec(), k -> new ArrayList<>()).add(m);
        }
        return List.copyOf(bySpec.values());
    }

    /**
     * Slices one scan once for tasks that share a preprocessing spec: for each task, batches.json first, then each
     * batch object and its event. The batch objects are written once, under the first task's key, and every task's
     * event names that object (a SliceBatchReady's tensor_key is where its batch is, not necessarily in its own
     * task's folder). The first task's events leave as its batches are written; the others' follow, in task order,
     * once the pass is done, so inference still sees one task's batches after the other's and the first task's mask
     * is not delayed by the second.
     */
    private void slice(ScanReceived scan, List<TaskModel> models, InputStream image, long t0) throws IOException {
        String scanId = scan.getScanId();
        int batchSize = config.preprocess().batchSize();
        BatchPlan[] plans = new BatchPlan[models.size()];
        Geometry[] geometry = {scan.hasGeometry() && scan.getGeometry().getDimsCount() == 3 ? scan.getGeometry() : null};
        List<List<Message<byte[]>>> deferred = new ArrayList<>();
        for (int m = 1; m < models.size(); m++) {
            deferred.add(new ArrayList<>());
        }
        StreamingSlicer.readAndSlice(reader, image, scan.getImageKey(), models.get(0).spec(), batchSize, batch -> {
            int index = batch.firstSlice() / batchSize;
            // one object for every task of the pass: the same bytes under each task's key cost a PUT (and S3's
            // hashing of it) per task on the CPU inference is using, and the storage twice
            String key = ObjectKeys.batch(scanId, models.get(0).task(), models.get(0).version(), index);
            store.put(key, SliceBatchCodec.encode(batch), "application/octet-stream");
            for (int m = 0; m < models.size(); m++) {
                TaskModel model = models.get(m);
                SliceBatchReady event = SliceBatchReady.newBuilder()
                        .setScanId(scanId)
                        .setTask(model.task())
                        .setModelVersion(model.version())
                        .setBatchIndex(index)
                        .setBatchCount(plans[m].batchCount())
                        .setFirstSlice(batch.firstSlice())
                        .setSliceCount(batch.count())
                        .setTotalSlices(plans[m].totalSlices())
                        .setBucket(store.bucket())
                        .setTensorKey(key)
                        .setGeometry(geometry[0])
                        .setImageKey(scan.getImageKey())
                        .setLabelKey(labelKeyFor(scan, model.task()))
                        .setReceivedAt(scan.getReceivedAt())
                        .setPreprocessMs((System.nanoTime() - t0) / 1_000_000)
                        .build();
                Message<byte[]> message = KafkaEvents.message(event, SOURCE, ceId(scanId, model, "batch:" + index),
                        scanId);
                if (m == 0) {
                    slices.sendMessageAndAwait(message);
                    LOG.debugf("scan %s %s batch %d sent after %d ms", scanId, model.task(), index,
                            (System.nanoTime() - t0) / 1_000_000);
                } else {
                    deferred.get(m - 1).add(message);
                }
            }
        }, volume -> {
            int total = Reorientation.toCanonical(volume).canonicalDims()[2];
            for (int m = 0; m < models.size(); m++) {
                TaskModel model = models.get(m);
                plans[m] = new BatchPlan(scanId, model.task(), model.version(), BatchPlan.batchCount(total, batchSize),
                        total, batchSize, model.spec().targetSize(), model.spec().channels(),
                        ObjectKeys.workPrefix(scanId, models.get(0).task(), models.get(0).version()));
                store.put(ObjectKeys.batchPlan(scanId, model.task(), model.version()), plans[m].toJson(),
                        "application/json");
            }
            if (geometry[0] == null) {
                geometry[0] = geometry(volume);
            }
        });
        for (List<Message<byte[]>> task : deferred) {
            for (Message<byte[]> message : task) {
                slices.sendMessageAndAwait(message);
            }
        }
    }

    static String ceId(String scanId, TaskModel model, String kind) {
        return scanId + ":" + model.task() + ":" + model.version() + ":" + kind;
    }

    /** The geometry of a volume as read, for scans whose ScanReceived carried none. */
    static Geometry geometry(Volume v) {
        Geometry.Builder g = Geometry.newBuilder();
        for (int d : v.dims()) {
            g.addDims(d);
        }
        Affine a = v.affine();
        for (double x : a.toArray()) {
            g.addAffine(x);
        }
        for (double s : v.spacing()) {
            g.addSpacingMm(s);
        }
        return g.setOrientation(v.orientation()).build();
    }

    /**
     * Records the failure (failed.json, ScanFailed) and returns the exception that nacks the record to the
     * dead-letter topic. Reporting problems are logged, never hide the original failure.
     */
    private ScanFailedException fail(ScanReceived scan, String task, String field, Exception cause) {
        String reason = String.valueOf(cause.getMessage());
        reason = "preprocess of " + (scan.getFileName().isEmpty() ? scan.getImageKey() : scan.getFileName())
                + " failed: " + reason;
        ScanFailed.Builder f = ScanFailed.newBuilder()
                .setScanId(scan.getScanId())
                .setStage(STAGE)
                .setReason(reason)
                .setErrorType(cause.getClass().getSimpleName())
                .setFile(scan.getFileName())
                .setBucket(store.bucket())
                .setObjectKey(scan.getImageKey())
                .setFailedAt(KafkaEvents.timestamp(Instant.now()));
        if (field != null) {
            f.setField(field);
        }
        if (task != null) {
            f.setTask(task);
        }
        ScanFailed failed = f.build();
        meters.counter(METRIC_FAILURES, "stage", STAGE).increment();
        LOG.errorf("scan %s failed: %s", scan.getScanId(), reason);
        try {
            if (ObjectKeys.isScanId(scan.getScanId())) {
                String json = JsonFormat.printer().preservingProtoFieldNames().print(failed);
                store.put(ObjectKeys.failure(scan.getScanId()), json.getBytes(StandardCharsets.UTF_8), "application/json");
            }
        } catch (Exception e) {
            LOG.errorf(e, "scan %s: could not write failed.json", scan.getScanId());
        }
        try {
            String key = scan.getScanId().isEmpty() ? "unknown" : scan.getScanId();
            failures.sendMessageAndAwait(KafkaEvents.message(failed, SOURCE, key + ":" + STAGE + ":failed", key));
        } catch (Exception e) {
            LOG.errorf(e, "scan %s: could not emit ScanFailed", scan.getScanId());
        }
        return new ScanFailedException(reason, cause);
    }

}
