package io.liverseg.inference;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.liverseg.imaging.BadInputException;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.geometry.Reorientation;
import io.liverseg.imaging.measure.DiceCounts;
import io.liverseg.imaging.nifti.NiftiHeader;
import io.liverseg.imaging.nifti.NiftiImage;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.nifti.NiftiWriter;
import io.liverseg.imaging.preprocess.MaskAssembler;
import io.liverseg.imaging.preprocess.PreprocessingSpec;
import io.liverseg.imaging.preprocess.SliceBatch;
import io.liverseg.imaging.preprocess.SliceBatchCodec;
import io.liverseg.messaging.KafkaEvents;
import io.liverseg.model.pkg.ModelManifest;
import io.liverseg.model.predict.MaskHeaders;
import io.liverseg.model.predict.Segmenter;
import io.liverseg.proto.events.v1.Geometry;
import io.liverseg.proto.events.v1.LabelVolume;
import io.liverseg.proto.events.v1.MaskReady;
import io.liverseg.proto.events.v1.ScanFailed;
import io.liverseg.proto.events.v1.SegmentationMetrics;
import io.liverseg.proto.events.v1.SliceBatchReady;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import io.liverseg.storage.RegistrySeeding;
import io.liverseg.storage.WorkCleanup;
import io.quarkus.runtime.StartupEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * SliceBatchReady → the batch predicted with the exact model version that preprocessed it → part-{i}.lsm. When
 * the parts of every batch of the scan exist, the mask is assembled on the scan's exact grid (the image's own
 * NIfTI header), postprocessed as the package says and written with report.json; then SegmentationMetrics (when
 * the scan has a label) and MaskReady are emitted.
 *
 * <p>Exactly one MaskReady per scan, task and model version: after it is acknowledged by the broker a marker
 * {@code work/{scan}/{task}/{version}/mask-ready.json} is written, and any redelivered batch of that version is
 * then acknowledged without work. (A crash between the send and the marker can repeat the MaskReady once, with
 * the same ce_id.) Failures end in failed.json, ScanFailed and the dead-letter topic.
 *
 * <p>Two threads: a worker runs the forward passes, one batch after another; the {@code mask-finisher} stores
 * each part, lists the parts after the scan's last batch ({@link PartListings}), assembles a mask when every part
 * is stored and then acknowledges the batch's message, so that the next forward pass never waits for S3 or an
 * assembly (≈ 30 ms a batch and ≈ 0.8 s a mask, measured on a 300-slice scan). Parts this instance stored and the
 * scan's header are kept in memory for the assembly; S3 remains the truth.
 */
@ApplicationScoped
public class BatchProcessor {
    /** SliceBatchReady in. */
    public static final String IN = "slices-in";
    /** MaskReady out. */
    public static final String MASKS_OUT = "masks-out";
    /** SegmentationMetrics out. */
    public static final String METRICS_OUT = "metrics-out";
    /** ScanFailed out. */
    public static final String FAILED_OUT = "failed-out";
    static final String STAGE = "inference";
    /** CloudEvents {@code ce_source} of what this service sends. */
    static final URI SOURCE = URI.create("/liverseg/inference");
    /** Bytes of the scan read to get its header; larger headers (big extensions) fall back to the whole file. */
    static final int HEADER_PREFIX = 1 << 20;
    /** Predicted batches that may wait for the finisher (each holds its labels and a model lease). */
    static final int MAX_UNFINISHED = 4;
    /** Name of the thread that stores parts and assembles masks. */
    static final String FINISHER_THREAD = "mask-finisher";
    /** Labels of stored parts kept for assembly: 128 MiB, 64 parts of 32 slices at 256². */
    static final long LOCAL_PARTS_BYTES = 128L << 20;

    /**
     * Name prefixes of the threads that run beside the forward passes ({@link InferenceConfig.Inference#helperNiceness}):
     * this class's finisher and prefetch, the gRPC API's look-ups and deadlines, the Kafka clients' and Vert.x's
     * threads, and the JVM's JIT compilers, which still used 0.4–1.4 core-seconds a scan after three scans had
     * warmed the service up (the forward passes run in libtorch and need none of their work; BENCHMARKS.md §3,
     * session 15). Never a thread that runs forward passes — Quarkus's workers ({@code executor-thread-}), the gRPC
     * segmentations ({@link SegmentationSlots#THREAD_PREFIX}), the lanes ({@code SlicePredictor.LANE_THREAD}) —:
     * libtorch's OpenMP threads and new lanes inherit their priority (ThreadNicenessTest checks the names). Nor
     * Vert.x's event loops: a new thread takes the nice value of the thread that creates it, and the event loops
     * create Quarkus's workers as the pool grows. With them lowered, a worker made after the start ran its forward
     * passes at the helpers' nice value, one made before at the process's, so each stack ran in one of two modes
     * (BENCHMARKS.md §3, session 19).
     */
    static final List<String> HELPER_THREADS = List.of(FINISHER_THREAD, BatchPrefetch.THREAD,
            SegmentationGrpcService.LOOKUP_THREAD, DeadlineInterceptor.THREAD, "smallrye-kafka-", "kafka-coordinator-",
            "kafka-producer-", "vertx-blocked-", "vert.x-acceptor-", "C1 CompilerThread", "C2 CompilerThread");

    /** Forward-pass time of a slice batch, by {@code task}. */
    public static final String METRIC_BATCH = "liverseg.inference.batch.duration";
    /** MaskReady events sent, by {@code task}. */
    public static final String METRIC_MASKS = "liverseg.masks.ready";
    /** From the scan's upload (ScanReceived's received_at) to its mask of a task, by {@code task}. */
    public static final String METRIC_UPLOAD_TO_MASK = "liverseg.upload.to.mask";
    /** ScanFailed events sent, by {@code stage} (here: inference). */
    public static final String METRIC_FAILURES = "liverseg.scan.failures";

    private static final Logger LOG = Logger.getLogger(BatchProcessor.class);

    private final ObjectStore store;
    private final ModelCache models;
    private final RegistrySeeding seeder;
    private final InferenceConfig config;
    private final NiftiReader reader;
    private final MutinyEmitter<byte[]> masks;
    private final MutinyEmitter<byte[]> metrics;
    private final MutinyEmitter<byte[]> failures;
    private final MeterRegistry meters;
    private final BatchPrefetch prefetch;
    private final WorkCleanup cleanup;
    /** One thread stores parts and assembles masks, in the order the batches were predicted. */
    private final ExecutorService finisher =
            Executors.newSingleThreadExecutor(DaemonThreads.named(FINISHER_THREAD));
    /** Batches predicted but not yet finished: beyond this the forward passes wait for the finisher. */
    private final Semaphore finisherSlots = new Semaphore(MAX_UNFINISHED);
    private final LocalParts localParts = new LocalParts(LOCAL_PARTS_BYTES);
    /** When the finisher lists a scan's parts: after its last batch (and anything after that). */
    private final PartListings listings = new PartListings();
    /** Lowers the helper threads' priority; null when configured off or not on Linux. */
    private final ThreadNiceness helperNiceness;
    /** Headers of the scans being assembled, by image key; access order, the eldest dropped beyond 16. */
    private final Map<String, NiftiHeader> headers = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, NiftiHeader> eldest) {
            return size() > 16;
        }
    };

    BatchProcessor(ObjectStore store, ModelCache models, RegistrySeeding seeder, InferenceConfig config,
                   NiftiReader reader, @Channel(MASKS_OUT) MutinyEmitter<byte[]> masks,
                   @Channel(METRICS_OUT) MutinyEmitter<byte[]> metrics,
                   @Channel(FAILED_OUT) MutinyEmitter<byte[]> failures, MeterRegistry meters) {
        this.meters = meters;
        this.store = store;
        this.models = models;
        this.seeder = seeder;
        this.config = config;
        this.reader = reader;
        this.masks = masks;
        this.metrics = metrics;
        this.failures = failures;
        this.prefetch = new BatchPrefetch(store);
        this.cleanup = new WorkCleanup(store);
        int niceness = config.inference().helperNiceness();
        this.helperNiceness = niceness > 0 && ThreadNiceness.supported()
                ? new ThreadNiceness(niceness, HELPER_THREADS) : null;
    }

    void onStart(@Observes StartupEvent event) {
        lowerHelperThreads();
    }

    /** Threads start lazily (the finisher at the first batch): looked for again before every batch. */
    private void lowerHelperThreads() {
        if (helperNiceness != null) {
            int lowered = helperNiceness.apply();
            if (lowered > 0) {
                LOG.debugf("%d helper thread(s) now at nice %d", lowered, config.inference().helperNiceness());
            }
        }
    }

    @PreDestroy
    void stop() {
        prefetch.close();
        // parts handed over are stored (and their messages acknowledged) before the service stops; what does not
        // finish in time is redelivered after a restart, which the idempotent writes allow
        finisher.shutdown();
        try {
            if (!finisher.awaitTermination(30, TimeUnit.SECONDS)) {
                finisher.shutdownNow();
            }
        } catch (InterruptedException e) {
            finisher.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Predicts the batch on this (worker) thread and hands its labels to the finisher, which stores the part,
     * assembles the mask when it was the last one, and only then acknowledges the message: the next batch's
     * forward pass does not wait for S3, the listing or a mask's assembly, and a crash before the part is stored
     * still leaves the offset uncommitted. Never throws: a failure nacks the message (dead-letter topic).
     */
    @Incoming(IN)
    @Blocking
    public CompletionStage<Void> onSliceBatchReady(Message<byte[]> message) {
        SliceBatchReady batch;
        try {
            batch = SliceBatchReady.parseFrom(message.getPayload());
        } catch (InvalidProtocolBufferException e) {
            return message.nack(new ScanFailedException("payload is not a liverseg.events.v1.SliceBatchReady: "
                    + e.getMessage(), e));
        }
        try {
            seeder.ensureReady();
        } catch (IOException | RuntimeException e) {
            // no model registry: nothing wrong with the scan, so no ScanFailed for it
            return message.nack(e);
        }
        lowerHelperThreads();
        Predicted predicted;
        try {
            predicted = predict(batch);
        } catch (ScanFailedException e) {
            return message.nack(e);
        } catch (Exception e) {
            return message.nack(fail(batch, e));
        }
        if (predicted == null) {
            return message.ack();
        }
        try {
            finisherSlots.acquire();
        } catch (InterruptedException e) {
            predicted.lease().close();
            Thread.currentThread().interrupt();
            return message.nack(e);
        }
        try {
            finisher.execute(() -> finish(predicted, message));
        } catch (RuntimeException e) {
            finisherSlots.release();
            predicted.lease().close();
            return message.nack(e);
        }
        return CompletableFuture.completedFuture(null);
    }

    /** A batch predicted, its model still leased (assembly needs the package's postprocessing). */
    private record Predicted(SliceBatchReady batch, ModelCache.Lease lease, SliceBatchCodec.MaskPart part) {
    }

    /**
     * The batch's labels, or null when the mask of this version is done already (a redelivery). The returned lease
     * is the caller's to close.
     */
    private Predicted predict(SliceBatchReady b) throws Exception {
        String marker = ObjectKeys.maskReadyMarker(b.getScanId(), b.getTask(), b.getModelVersion());
        if (store.exists(marker)) {
            LOG.infof("scan %s %s v%s batch %d: the mask of this version is done already, nothing to do",
                    b.getScanId(), b.getTask(), b.getModelVersion(), b.getBatchIndex());
            if (b.getBatchIndex() == b.getBatchCount() - 1) {
                // a scan preprocessed again (a redelivery, a retry) stored its batches again, the last one by now
                cleanUp(b);
            }
            return null;
        }
        ModelCache.Lease lease = models.lease(b.getTask(), b.getModelVersion());
        try {
            SliceBatchCodec.MaskPart part = predict(b, lease.segmenter());
            meters.timer(METRIC_BATCH, "task", b.getTask()).record(part.predictMs(), TimeUnit.MILLISECONDS);
            return new Predicted(b, lease, part);
        } catch (Exception | Error e) {
            lease.close();
            throw e;
        }
    }

    /** On the finisher thread: store the part, assemble when every part exists, then acknowledge. */
    private void finish(Predicted p, Message<byte[]> message) {
        SliceBatchReady b = p.batch();
        boolean complete = false;
        try (ModelCache.Lease lease = p.lease()) {
            long tPut = System.nanoTime();
            String partKey = ObjectKeys.part(b.getScanId(), b.getTask(), b.getModelVersion(), b.getBatchIndex());
            store.put(partKey, SliceBatchCodec.encode(p.part()), "application/octet-stream");
            localParts.remember(partKey, p.part());
            long tList = System.nanoTime();
            String prefix = ObjectKeys.partPrefix(b.getScanId(), b.getTask(), b.getModelVersion());
            if (listings.mustList(prefix, b.getBatchIndex(), b.getBatchCount())) {
                List<String> keys = store.list(prefix);
                complete = Parts.complete(keys, b.getScanId(), b.getTask(), b.getModelVersion(), b.getBatchCount());
                LOG.debugf("scan %s %s batch %d: part encoded and stored in %d ms, parts listed in %d ms (%s)",
                        b.getScanId(), b.getTask(), b.getBatchIndex() + 1, (tList - tPut) / 1_000_000,
                        (System.nanoTime() - tList) / 1_000_000, complete ? "complete" : "a part is missing");
            } else {
                LOG.debugf("scan %s %s batch %d: part encoded and stored in %d ms", b.getScanId(), b.getTask(),
                        b.getBatchIndex() + 1, (tList - tPut) / 1_000_000);
            }
            if (complete) {
                String marker = ObjectKeys.maskReadyMarker(b.getScanId(), b.getTask(), b.getModelVersion());
                // a batch redelivered while its mask was being assembled comes here after that assembly
                if (store.exists(marker)) {
                    LOG.infof("scan %s %s v%s: the mask of this version is done already", b.getScanId(), b.getTask(),
                            b.getModelVersion());
                } else {
                    assemble(b, lease.segmenter(), marker);
                }
                localParts.forget(prefix);
                listings.forget(prefix);
            }
        } catch (Exception | Error e) {
            finisherSlots.release();
            String prefix = ObjectKeys.partPrefix(b.getScanId(), b.getTask(), b.getModelVersion());
            localParts.forget(prefix);
            listings.forget(prefix);
            message.nack(e instanceof ScanFailedException sf ? sf : fail(b, e));
            return;
        }
        finisherSlots.release();
        message.ack();
        if (complete) {
            cleanUp(b);
        } else {
            // the finisher is idle while the next batch is predicted: read the scan's header for the assembly now
            readHeaderAhead(b.getImageKey());
        }
    }

    private SliceBatchCodec.MaskPart predict(SliceBatchReady b, Segmenter segmenter) throws IOException {
        if (b.getBatchCount() < 1 || b.getBatchIndex() < 0 || b.getBatchIndex() >= b.getBatchCount()) {
            throw new IllegalArgumentException("batch_index " + b.getBatchIndex() + " is not within batch_count "
                    + b.getBatchCount());
        }
        long tGet = System.nanoTime();
        Optional<SliceBatch> prefetched = prefetch.take(b.getTensorKey());
        long tDecode = System.nanoTime();
        SliceBatch batch;
        if (prefetched.isPresent()) {
            batch = prefetched.get();
        } else {
            byte[] bytes = store.get(b.getTensorKey()).orElseThrow(() -> new IOException("batch object "
                    + store.bucket() + "/" + b.getTensorKey() + " does not exist"));
            tDecode = System.nanoTime();
            try {
                batch = SliceBatchCodec.decodeBatch(bytes);
            } catch (IOException e) {
                throw new IOException(b.getTensorKey() + ": " + e.getMessage(), e);
            }
        }
        if (b.getBatchIndex() + 1 < b.getBatchCount()) {
            // the next batch is fetched and decoded while this one is predicted
            ObjectKeys.nextBatch(b.getTensorKey()).ifPresent(prefetch::start);
        }
        PreprocessingSpec spec = segmenter.manifest().preprocessing().toSpec();
        if (batch.firstSlice() != b.getFirstSlice() || batch.count() != b.getSliceCount()
                || batch.channels() != spec.channels() || batch.height() != spec.targetSize()
                || batch.width() != spec.targetSize()) {
            throw new IllegalArgumentException(b.getTensorKey() + " holds slices " + batch.firstSlice() + "+"
                    + batch.count() + " of " + batch.channels() + "x" + batch.height() + "x" + batch.width()
                    + ", but the event says slices " + b.getFirstSlice() + "+" + b.getSliceCount() + " and model "
                    + b.getTask() + " v" + b.getModelVersion() + " needs " + spec.channels() + "x" + spec.targetSize()
                    + "x" + spec.targetSize());
        }
        long t0 = System.nanoTime();
        byte[] labels = segmenter.predictor().predict(batch.data(), batch.count(), batch.channels(), batch.height(),
                batch.width(), config.inference().tta());
        long predictMs = (System.nanoTime() - t0) / 1_000_000;
        LOG.debugf("scan %s %s batch %d/%d predicted in %d ms (%s %d ms, decode %d ms)", b.getScanId(), b.getTask(),
                b.getBatchIndex() + 1, b.getBatchCount(), predictMs,
                prefetched.isPresent() ? "prefetched, waited" : "GET", (tDecode - tGet) / 1_000_000,
                (t0 - tDecode) / 1_000_000);
        return new SliceBatchCodec.MaskPart(batch.firstSlice(), batch.count(), batch.height(), batch.width(), labels,
                predictMs, b.getPreprocessMs());
    }

    private void assemble(SliceBatchReady b, Segmenter segmenter, String marker) throws IOException {
        long t0 = System.nanoTime();
        String scan = b.getScanId();
        String task = b.getTask();
        String version = b.getModelVersion();
        ModelManifest manifest = segmenter.manifest();
        NiftiHeader header = header(b.getImageKey());
        long tHeader = System.nanoTime();
        int[] dims = scanDims(header, b.getImageKey());
        checkGeometry(b.getGeometry(), dims, header, b.getImageKey());
        MaskAssembler assembler = new MaskAssembler(Reorientation.toCanonical(dims, header.affine()),
                manifest.preprocessing().targetSize());
        long inferenceMs = 0;
        long preprocessMs = 0;
        int local = 0;
        for (int i = 0; i < b.getBatchCount(); i++) {
            String key = ObjectKeys.part(scan, task, version, i);
            Optional<SliceBatchCodec.MaskPart> held = localParts.take(key);
            SliceBatchCodec.MaskPart part;
            if (held.isPresent()) {
                part = held.get();
                local++;
            } else {
                byte[] bytes = store.get(key).orElseThrow(() -> new IOException("mask part " + key + " disappeared"));
                try {
                    part = SliceBatchCodec.decodeMask(bytes);
                } catch (IOException e) {
                    throw new IOException(key + ": " + e.getMessage(), e);
                }
            }
            assembler.put(part.firstSlice(), part.count(), part.labels());
            inferenceMs += part.predictMs();
            preprocessMs = Math.max(preprocessMs, part.preprocessMs());
        }
        long tParts = System.nanoTime();
        Volume mask = segmenter.postprocess(assembler.toSourceGrid());
        long tMask = System.nanoTime();
        String maskKey = ObjectKeys.mask(scan, task);
        Path maskFile = Files.createTempFile("liverseg-mask-", ".nii.gz");
        try {
            NiftiWriter.write(new NiftiImage(MaskHeaders.of(header, manifest), mask, 0), maskFile);
            store.putFile(maskKey, maskFile, "application/gzip");
        } finally {
            Files.deleteIfExists(maskFile);
        }
        long tWritten = System.nanoTime();
        long assembleMs = (tWritten - t0) / 1_000_000;
        LOG.debugf("scan %s %s assembly: header %d ms, parts %d ms (%d of %d held in memory), grid and postprocessing"
                + " %d ms, NIfTI write and PUT %d ms", scan, task, (tHeader - t0) / 1_000_000,
                (tParts - tHeader) / 1_000_000, local, b.getBatchCount(),
                (tMask - tParts) / 1_000_000, (tWritten - tMask) / 1_000_000);

        List<String> classNames = manifest.classNames();
        List<LabelVolume> volumes = Report.volumes(mask, classNames);
        Map<String, Double> dice = null;
        List<LabelVolume> reference = null;
        if (!b.getLabelKey().isEmpty()) {
            Volume label = readLabel(b.getLabelKey());
            try {
                dice = Report.dice(DiceCounts.of(mask, label, classNames.size()), classNames);
                reference = Report.volumes(label, classNames);
            } catch (IllegalArgumentException e) {
                LOG.warnf("scan %s %s: no Dice, the label %s does not fit the mask: %s", scan, task, b.getLabelKey(),
                        e.getMessage());
            }
        }
        long uploadToMask = b.hasReceivedAt() && b.getReceivedAt().getSeconds() > 0
                ? Math.max(0, Duration.between(Instant.ofEpochSecond(b.getReceivedAt().getSeconds(),
                        b.getReceivedAt().getNanos()), Instant.now()).toMillis()) : 0;
        Report report = new Report(scan, task, version, config.inference().tta().id(), classNames, volumes, dice,
                Report.timings(preprocessMs, inferenceMs, assembleMs, uploadToMask), maskKey, Instant.now());
        String reportKey = ObjectKeys.report(scan, task);
        store.put(reportKey, report.toJson(), "application/json");

        String idPrefix = scan + ":" + task + ":" + version + ":";
        if (dice != null) {
            SegmentationMetrics m = SegmentationMetrics.newBuilder().setScanId(scan).setTask(task)
                    .setModelVersion(version).putAllDice(dice).addAllPredicted(volumes).addAllReference(reference)
                    .build();
            metrics.sendMessageAndAwait(KafkaEvents.message(m, SOURCE, idPrefix + "metrics", scan));
        }
        Geometry geometry = b.hasGeometry() && b.getGeometry().getDimsCount() == 3 ? b.getGeometry()
                : geometry(mask);
        MaskReady ready = MaskReady.newBuilder().setScanId(scan).setTask(task).setModelVersion(version)
                .setBucket(store.bucket()).setMaskKey(maskKey).setReportKey(reportKey).addAllVolumes(volumes)
                .setGeometry(geometry).putAllTimingsMs(report.timings()).build();
        masks.sendMessageAndAwait(KafkaEvents.message(ready, SOURCE, idPrefix + "mask", scan));
        meters.counter(METRIC_MASKS, "task", task).increment();
        if (uploadToMask > 0) {
            meters.timer(METRIC_UPLOAD_TO_MASK, "task", task).record(uploadToMask, TimeUnit.MILLISECONDS);
        }
        store.put(marker, ("{\"ce_id\":\"" + idPrefix + "mask\",\"sent_at\":\"" + Instant.now() + "\"}\n")
                .getBytes(StandardCharsets.UTF_8), "application/json");
        LOG.infof("scan %s %s v%s: mask ready (%s), upload to mask %d ms (%d ms after the mask was stored)", scan, task,
                version, describe(volumes), uploadToMask, (System.nanoTime() - tWritten) / 1_000_000);
    }

    /**
     * Deletes the intermediates the scan's stored masks no longer need (storage's {@link WorkCleanup}), unless
     * {@code liverseg.inference.keep-work}. Called once the task's mask-ready marker exists; a failure leaves them
     * in the bucket and is only logged: the mask is stored and announced.
     */
    private void cleanUp(SliceBatchReady b) {
        if (config.inference().keepWork()) {
            return;
        }
        try {
            WorkCleanup.Outcome o = cleanup.afterMask(b.getScanId(), b.getTask(), b.getModelVersion(),
                    WorkCleanup.batchesPrefixOf(b.getTensorKey()));
            LOG.debugf("scan %s %s v%s: %d mask part(s) and %d batch(es) deleted%s", b.getScanId(), b.getTask(),
                    b.getModelVersion(), o.partsDeleted(), o.batchesDeleted(), o.waitingFor().isEmpty() ? ""
                            : "; the batches stay for " + String.join(", ", o.waitingFor()));
        } catch (RuntimeException e) {
            LOG.warnf("scan %s %s v%s: its intermediates in work/ were not deleted: %s", b.getScanId(), b.getTask(),
                    b.getModelVersion(), e.getMessage());
        }
    }

    /** The scan's header, from the cache or read (and cached: image keys are content-addressed, never rewritten). */
    private NiftiHeader header(String imageKey) throws IOException {
        synchronized (headers) {
            NiftiHeader h = headers.get(imageKey);
            if (h != null) {
                return h;
            }
        }
        NiftiHeader h = readHeader(imageKey);
        synchronized (headers) {
            headers.put(imageKey, h);
        }
        return h;
    }

    /** Caches the scan's header ahead of its assembly; a failure is only logged, the assembly reads and reports it. */
    private void readHeaderAhead(String imageKey) {
        try {
            header(imageKey);
        } catch (IOException | RuntimeException e) {
            LOG.debugf("reading the header of %s ahead of its assembly failed: %s", imageKey, e.getMessage());
        }
    }

    /** The scan's NIfTI header, read from the first MiB of the object (the whole object if the header is longer). */
    private NiftiHeader readHeader(String key) throws IOException {
        Path tmp = Files.createTempFile("liverseg-header-", suffix(key));
        try {
            InputStream in = store.open(key).orElseThrow(() -> new IOException("scan image " + store.bucket() + "/"
                    + key + " does not exist"));
            try (in; OutputStream out = Files.newOutputStream(tmp)) {
                byte[] buf = new byte[64 * 1024];
                long copied = 0;
                int n;
                while (copied < HEADER_PREFIX && (n = in.read(buf, 0, (int) Math.min(buf.length, HEADER_PREFIX - copied))) > 0) {
                    out.write(buf, 0, n);
                    copied += n;
                }
            }
            try {
                return reader.readHeader(tmp);
            } catch (BadInputException e) {
                if (!store.download(key, tmp)) {
                    throw new IOException("scan image " + store.bucket() + "/" + key + " does not exist");
                }
                try {
                    return reader.readHeader(tmp);
                } catch (BadInputException again) {
                    throw new IOException(again.getMessage().replace(tmp.toString(), key), again);
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(tmp.resolveSibling(tmp.getFileName() + ".part"));
        }
    }

    private Volume readLabel(String key) throws IOException {
        Path tmp = Files.createTempFile("liverseg-label-", suffix(key));
        try {
            if (!store.download(key, tmp)) {
                throw new IOException("label " + store.bucket() + "/" + key + " does not exist");
            }
            try {
                return reader.readScan(tmp);
            } catch (BadInputException e) {
                throw new IOException(e.getMessage().replace(tmp.toString(), key), e);
            }
        } finally {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(tmp.resolveSibling(tmp.getFileName() + ".part"));
        }
    }

    /** The three voxel dims of a 3D scan header. */
    static int[] scanDims(NiftiHeader h, String key) throws IOException {
        long[] dim = h.dim();
        int n = (int) dim[0];
        for (int d = 4; d <= n; d++) {
            if (dim[d] != 1) {
                throw new IOException(key + ": not a 3D scan, dim = " + Arrays.toString(dim));
            }
        }
        return new int[] {(int) dim[1], n >= 2 ? (int) dim[2] : 1, n >= 3 ? (int) dim[3] : 1};
    }

    /** The event's geometry (from ingest) must describe the file's grid: a mismatch means a mixed-up scan. */
    static void checkGeometry(Geometry g, int[] dims, NiftiHeader h, String key) throws IOException {
        if (g == null || g.getDimsCount() == 0) {
            return;
        }
        List<Integer> fileDims = new ArrayList<>();
        for (int d : dims) {
            fileDims.add(d);
        }
        if (!g.getDimsList().equals(fileDims)) {
            throw new IOException(key + ": the event's geometry dims " + g.getDimsList() + " differ from the file's "
                    + fileDims);
        }
        double[] a = h.affine().toArray();
        if (g.getAffineCount() == 16) {
            for (int i = 0; i < 12; i++) {
                if (Math.abs(g.getAffine(i) - a[i]) > 1e-3) {
                    throw new IOException(key + ": the event's geometry affine differs from the file's at element "
                            + i + ": " + g.getAffine(i) + " vs " + a[i]);
                }
            }
        }
    }

    static Geometry geometry(Volume v) {
        Geometry.Builder g = Geometry.newBuilder();
        for (int d : v.dims()) {
            g.addDims(d);
        }
        for (double x : v.affine().toArray()) {
            g.addAffine(x);
        }
        for (double s : v.spacing()) {
            g.addSpacingMm(s);
        }
        return g.setOrientation(v.orientation()).build();
    }

    private ScanFailedException fail(SliceBatchReady b, Throwable cause) {
        String reason = "inference of " + b.getImageKey() + " (" + b.getTask() + " v" + b.getModelVersion() + ", batch "
                + b.getBatchIndex() + ") failed: " + cause.getMessage();
        ScanFailed.Builder f = ScanFailed.newBuilder()
                .setScanId(b.getScanId())
                .setStage(STAGE)
                .setReason(reason)
                .setErrorType(cause.getClass().getSimpleName())
                .setBucket(store.bucket())
                .setObjectKey(b.getTensorKey())
                .setTask(b.getTask())
                .setFailedAt(KafkaEvents.timestamp(Instant.now()));
        if (cause instanceof BadInputException bad && bad.field() != null) {
            f.setField(bad.field());
        } else if (cause.getCause() instanceof io.liverseg.imaging.preprocess.SliceCodecException codec) {
            f.setField(codec.field());
        }
        ScanFailed failed = f.build();
        meters.counter(METRIC_FAILURES, "stage", STAGE).increment();
        LOG.errorf("scan %s failed: %s", b.getScanId(), reason);
        try {
            if (ObjectKeys.isScanId(b.getScanId())) {
                String json = JsonFormat.printer().preservingProtoFieldNames().print(failed);
                store.put(ObjectKeys.failure(b.getScanId()), json.getBytes(StandardCharsets.UTF_8), "application/json");
            }
        } catch (Exception e) {
            LOG.errorf(e, "scan %s: could not write failed.json", b.getScanId());
        }
        try {
            String key = b.getScanId().isEmpty() ? "unknown" : b.getScanId();
            failures.sendMessageAndAwait(
                    KafkaEvents.message(failed, SOURCE, key + ":" + b.getTask() + ":" + STAGE + ":failed", key));
        } catch (Exception e) {
            LOG.errorf(e, "scan %s: could not emit ScanFailed", b.getScanId());
        }
        return new ScanFailedException(reason, cause);
    }

    private static String describe(List<LabelVolume> volumes) {
        StringBuilder s = new StringBuilder();
        for (LabelVolume v : volumes.subList(Math.min(1, volumes.size()), volumes.size())) {
            s.append(s.length() == 0 ? "" : ", ")
                    .append(String.format(Locale.ROOT, "%s %.1f mL", v.getName(), v.getVolumeMl()));
        }
        return s.toString();
    }

    private static String suffix(String key) {
        return key.toLowerCase(Locale.ROOT).endsWith(".nii") ? ".nii" : ".nii.gz";
    }
}
