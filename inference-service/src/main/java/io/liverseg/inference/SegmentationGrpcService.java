package io.liverseg.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.liverseg.imaging.BadInputException;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.model.pkg.ModelManifest;
import io.liverseg.model.predict.TestTimeAugmentation;
import io.liverseg.proto.SegmentationTasks;
import io.liverseg.proto.segmentation.v1.GetModelRequest;
import io.liverseg.proto.segmentation.v1.GetScanRequest;
import io.liverseg.proto.segmentation.v1.ListModelsRequest;
import io.liverseg.proto.segmentation.v1.ListModelsResponse;
import io.liverseg.proto.segmentation.v1.Model;
import io.liverseg.proto.segmentation.v1.ModelTask;
import io.liverseg.proto.segmentation.v1.Progress;
import io.liverseg.proto.segmentation.v1.Scan;
import io.liverseg.proto.segmentation.v1.SegmentOptions;
import io.liverseg.proto.segmentation.v1.SegmentReport;
import io.liverseg.proto.segmentation.v1.SegmentRequest;
import io.liverseg.proto.segmentation.v1.SegmentResponse;
import io.liverseg.proto.segmentation.v1.SegmentationGrpc;
import io.liverseg.storage.ModelRegistry;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import io.liverseg.storage.RegistrySeeding;
import io.liverseg.storage.status.ScanStatus;
import io.liverseg.storage.status.ScanStatusReader;
import io.quarkus.grpc.GrpcService;
import io.quarkus.grpc.RegisterInterceptor;
import io.smallrye.common.annotation.Blocking;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * liverseg.segmentation.v1.Segmentation on the service's HTTP port. {@code Segment} spools the upload to a temporary
 * file, waits for a segmentation slot ({@link SegmentationSlots}) and runs {@link SyncSegmentation} — the streaming
 * path's preprocessing, model and postprocessing code with the same batch size — on the version the request names
 * or the task's champion, loaded through the shared {@link ModelCache}. Cancellation, a disconnect or the deadline
 * stop the work between batches and delete the temporary files. {@code GetScan} answers from the bucket with the
 * status derivation ingest-service uses; {@code ListModels} and {@code GetModel} read the registry.
 */
@GrpcService
@RegisterInterceptor(DeadlineInterceptor.class)
public class SegmentationGrpcService extends SegmentationGrpc.SegmentationImplBase {
    private static final Logger LOG = Logger.getLogger(SegmentationGrpcService.class);
    /** Trailer naming the input field at fault with INVALID_ARGUMENT (e.g. a NIfTI header field). */
    public static final Metadata.Key<String> FIELD = Metadata.Key.of("liverseg-field", Metadata.ASCII_STRING_MARSHALLER);
    static final String TEMP_PREFIX = "liverseg-grpc-";
    /** Name of the registry look-up threads. */
    static final String LOOKUP_THREAD = "liverseg-grpc-lookup";

    private final ModelRegistry registry;
    private final ModelCache models;
    private final RegistrySeeding seeder;
    private final InferenceConfig config;
    private final NiftiReader reader;
    private final SegmentationSlots slots;
    private final ObjectStore store;
    private final ScanStatusReader status;
    /** Registry look-ups of Segment requests (S3 calls must not run on the event loop that delivers the upload). */
    private final ExecutorService lookups = Executors.newFixedThreadPool(2, DaemonThreads.named(LOOKUP_THREAD));

    SegmentationGrpcService(ModelRegistry registry, ModelCache models, RegistrySeeding seeder, InferenceConfig config,
                            NiftiReader reader, SegmentationSlots slots, ObjectStore store, ObjectMapper json) {
        this.registry = registry;
        this.models = models;
        this.seeder = seeder;
        this.config = config;
        this.reader = reader;
        this.slots = slots;
        this.store = store;
        this.status = new ScanStatusReader(store, json, config.tasks());
    }

    @Override
    public StreamObserver<SegmentRequest> segment(StreamObserver<SegmentResponse> responses) {
        return new SegmentCall((ServerCallStreamObserver<SegmentResponse>) responses, Context.current());
    }

    @Override
    @Blocking
    public void getScan(GetScanRequest request, StreamObserver<Scan> responses) {
        unary(responses, () -> {
            String id = request.getScanId();
            if (!ObjectKeys.isScanId(id)) {
                throw invalid("scan_id", "scan_id '" + id + "' is not a scan id (64 lower-case hex digits)");
            }
            ScanStatus s = status.status(id).orElseThrow(() -> Status.NOT_FOUND
                    .withDescription("no scan " + id + " (no scans/" + id + "/scan.json in the bucket)").asException());
            return ApiMapping.scan(s, status.reports(id));
        });
    }

    @Override
    @Blocking
    public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> responses) {
        unary(responses, () -> {
            seeder.ensureReady();
            ListModelsResponse.Builder b = ListModelsResponse.newBuilder();
            for (String task : registryTasks()) {
                ModelTask.Builder t = ModelTask.newBuilder().setTask(task).addAllVersions(registry.versions(task));
                registry.champion(task).ifPresent(c -> t.setChampion(ApiMapping.champion(c)));
                b.addTasks(t);
            }
            return b.build();
        });
    }

    @Override
    @Blocking
    public void getModel(GetModelRequest request, StreamObserver<Model> responses) {
        unary(responses, () -> {
            seeder.ensureReady();
            String task = SegmentationTasks.orDefault(request.getTask());
            name("task", task);
            Optional<ModelRegistry.Champion> champion = registry.champion(task);
            String version = request.getVersion();
            if (version.isEmpty()) {
                version = champion.map(ModelRegistry.Champion::version).orElseThrow(() -> Status.NOT_FOUND
                        .withDescription("task " + task + " has no champion model in the registry (versions: "
                                + registry.versions(task) + ")").asException());
            }
            name("version", version);
            String v = version;
            JsonNode manifest = registry.manifest(task, version).orElseThrow(() -> Status.NOT_FOUND
                    .withDescription("model " + task + " version " + v + " is not in the registry (versions: "
                            + registry.versions(task) + ")").asException());
            return ApiMapping.model(task, version, champion.map(c -> c.version().equals(v)).orElse(false), manifest);
        });
    }

    /** Tasks with anything under models/ (sorted). */
    private List<String> registryTasks() {
        Set<String> tasks = new LinkedHashSet<>();
        for (String key : store.list(ObjectKeys.MODELS)) {
            String rest = key.substring(ObjectKeys.MODELS.length());
            int slash = rest.indexOf('/');
            if (slash > 0) {
                tasks.add(rest.substring(0, slash));
            }
        }
        return tasks.stream().sorted().toList();
    }

    @FunctionalInterface
    private interface Answer<T> {
        T get() throws Exception;
    }

    private static <T> void unary(StreamObserver<T> responses, Answer<T> answer) {
        T value;
        try {
            value = answer.get();
        } catch (Exception e) {
            responses.onError(toStatus(e));
            return;
        }
        responses.onNext(value);
        responses.onCompleted();
    }

    private static StatusException toStatus(Throwable e) {
        if (e instanceof CompletionException && e.getCause() != null) {
            return toStatus(e.getCause());
        }
        if (e instanceof StatusException se) {
            return se;
        }
        if (e instanceof IllegalArgumentException) {
            return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asException();
        }
        LOG.errorf(e, "gRPC call failed: %s", e.getMessage());
        return Status.INTERNAL.withDescription(e.getClass().getSimpleName() + ": " + e.getMessage()).withCause(e)
                .asException();
    }

    static StatusException invalid(String field, String message) {
        Metadata trailers = new Metadata();
        if (field != null) {
            trailers.put(FIELD, field);
        }
        return Status.INVALID_ARGUMENT.withDescription(message).asException(trailers);
    }

    private static void name(String what, String value) throws StatusException {
        if (!ObjectKeys.isName(value)) {
            throw invalid(what, what + " '" + value + "' is not a task or version name (lower-case letters, digits,"
                    + " '.', '_', '-'; at most 64)");
        }
    }

    /** The model version a request resolves to: the named one if it exists, else the task's champion. */
    private String resolve(String task, String requested) throws Exception {
        seeder.ensureReady();
        if (requested.isEmpty()) {
            return registry.champion(task).map(ModelRegistry.Champion::version)
                    .orElseThrow(() -> Status.UNAVAILABLE.withDescription("no model loaded for task " + task
                            + ": the registry has no champion for it (" + ObjectKeys.champion(task) + ")").asException());
        }
        if (registry.manifest(task, requested).isEmpty()) {
            throw Status.NOT_FOUND.withDescription("model " + task + " version " + requested
                    + " is not in the registry (versions: " + registry.versions(task) + ")").asException();
        }
        return requested;
    }

    /** Thrown by the stop check between batches. */
    private static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super(null, null, false, false);
        }
    }

    /** One Segment call: the upload, then the job, then the answer; ends however the client ends. */
    private final class SegmentCall implements StreamObserver<SegmentRequest>, SyncSegmentation.Listener {
        private final ServerCallStreamObserver<SegmentResponse> out;
        private final Context context;
        private final long started = System.nanoTime();
        /** Guards the upload state (messages arrive on the event loop, cancellation anywhere). */
        private final Object lock = new Object();
        /** Guards {@link #out} and {@link #closed}. */
        private final Object sendLock = new Object();
        private SegmentOptions options;
        private TestTimeAugmentation augmentation;
        private String displayName = "upload";
        private SegmentationSlots.Ticket ticket;
        private CompletableFuture<String> version;
        private Path upload;
        private OutputStream uploadOut;
        private long received;
        private long receivedAt;
        private long submittedAt;
        private boolean closed;
        private volatile boolean clientGone;
        private volatile boolean running;
        private volatile int slicesDone;
        private volatile int totalSlices;

        SegmentCall(ServerCallStreamObserver<SegmentResponse> out, Context context) {
            this.out = out;
            this.context = context;
            out.setOnCancelHandler(this::clientGone);
            out.setOnReadyHandler(() -> {
                synchronized (sendLock) {
                    sendLock.notifyAll();
                }
            });
            context.addListener(c -> {
                if (deadlineExpired()) {
                    onDeadline();
                }
            }, Runnable::run);
        }

        private boolean deadlineExpired() {
            return context.getDeadline() != null && context.getDeadline().isExpired()
                    || context.isCancelled() && context.cancellationCause() instanceof TimeoutException;
        }

        @Override
        public void onNext(SegmentRequest request) {
            synchronized (lock) {
                if (isClosed()) {
                    return;
                }
                try {
                    if (options == null) {
                        start(request);
                    } else if (request.hasOptions()) {
                        throw invalid("options", "options must come once, in the first message");
                    } else {
                        write(request.getChunk());
                    }
                } catch (StatusException e) {
                    abort(e);
                } catch (IOException | RuntimeException e) {
                    LOG.errorf(e, "Segment: cannot spool the upload: %s", e.getMessage());
                    abort(Status.INTERNAL.withDescription("cannot spool the upload: " + e.getMessage()).asException());
                }
            }
        }

        private void start(SegmentRequest request) throws StatusException, IOException {
            if (!request.hasOptions()) {
                throw invalid("options", "the first message must carry the options (SegmentRequest.options)");
            }
            options = request.getOptions();
            try {
                augmentation = ApiMapping.augmentation(options);
            } catch (IllegalArgumentException e) {
                throw invalid("augmentation", e.getMessage());
            }
            if (!options.getFileName().isBlank()) {
                displayName = options.getFileName().replaceAll("[\\p{Cntrl}]", "_");
            }
            long max = config.grpc().maxUploadBytes();
            if (options.getSizeBytes() > max) {
                throw tooLarge(options.getSizeBytes());
            }
            String task = SegmentationTasks.orDefault(options.getTask());
            name("task", task);
            if (!options.getModelVersion().isEmpty()) {
                name("model_version", options.getModelVersion());
            }
            ticket = slots.tryAdmit().orElseThrow(() -> Status.RESOURCE_EXHAUSTED.withDescription("server busy: "
                    + slots.maxConcurrent() + " segmentation(s) running and " + slots.maxQueued()
                    + " waiting already; try again later").asException());
            Files.createDirectories(config.grpc().tempDir());
            String lower = displayName.toLowerCase(Locale.ROOT);
            upload = Files.createTempFile(config.grpc().tempDir(), TEMP_PREFIX + "upload-",
                    lower.endsWith(".nii") ? ".nii" : ".nii.gz");
            uploadOut = new BufferedOutputStream(Files.newOutputStream(upload), 1 << 20);
            // the registry look-up runs while the file arrives: no model → UNAVAILABLE before the whole upload
            version = CompletableFuture.supplyAsync(() -> {
                try {
                    return resolve(task, options.getModelVersion());
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }, lookups);
            version.whenComplete((v, e) -> {
                if (e != null) {
                    synchronized (lock) {
                        if (!running) {
                            abort(toStatus(e));
                        }
                    }
                }
            });
            send(progress(Progress.Stage.RECEIVING));
        }

        private void write(ByteString chunk) throws StatusException, IOException {
            if (received + chunk.size() > config.grpc().maxUploadBytes()) {
                throw tooLarge(received + chunk.size());
            }
            chunk.writeTo(uploadOut);
            received += chunk.size();
        }

        private StatusException tooLarge(long bytes) {
            return Status.RESOURCE_EXHAUSTED.withDescription(displayName + ": " + bytes + " bytes is more than this"
                    + " server accepts (liverseg.grpc.max-upload-bytes = " + config.grpc().maxUploadBytes() + ")")
                    .asException();
        }

        @Override
        public void onError(Throwable t) {
            clientGone();
        }

        @Override
        public void onCompleted() {
            synchronized (lock) {
                if (isClosed()) {
                    return;
                }
                try {
                    if (options == null) {
                        throw invalid("options", "empty request: no options and no file");
                    }
                    if (received == 0) {
                        throw invalid("chunk", displayName + ": no file bytes were sent");
                    }
                    uploadOut.close();
                    uploadOut = null;
                } catch (StatusException e) {
                    abort(e);
                    return;
                } catch (IOException e) {
                    abort(Status.INTERNAL.withDescription("cannot spool the upload: " + e.getMessage()).asException());
                    return;
                }
                receivedAt = System.nanoTime();
                submittedAt = receivedAt;
                int position = ticket.submit(this::runJob);
                if (position > 0) {
                    send(progress(Progress.Stage.QUEUED).toBuilder()
                            .setProgress(progress(Progress.Stage.QUEUED).getProgress().toBuilder()
                                    .setQueuePosition(position)).build());
                }
            }
        }

        private SegmentResponse progress(Progress.Stage stage) {
            return SegmentResponse.newBuilder().setProgress(Progress.newBuilder().setStage(stage)
                    .setSlicesDone(slicesDone).setTotalSlices(totalSlices).setBytesReceived(received)).build();
        }

        /** The client cancelled or went away: nothing more is sent; work and files go. */
        private void clientGone() {
            clientGone = true;
            synchronized (sendLock) {
                closed = true;
                sendLock.notifyAll();
            }
            synchronized (lock) {
                if (!running) {
                    discard();
                }
            }
        }

        private void onDeadline() {
            synchronized (lock) {
                if (!running) {
                    abort(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded while "
                            + (uploadOut != null ? "receiving the file" : "waiting for a segmentation slot"))
                            .asException());
                }
            }
            synchronized (sendLock) {
                sendLock.notifyAll();
            }
        }

        /** Ends a call that is not running: the error to the client, the upload deleted, the ticket freed. */
        private void abort(StatusException e) {
            fail(e);
            discard();
        }

        /** Deletes the upload and gives up the place (unless the job already runs: it cleans up itself). */
        private void discard() {
            if (ticket != null && !ticket.withdraw()) {
                return;
            }
            closeQuietly();
            deleteQuietly(upload);
        }

        private void closeQuietly() {
            if (uploadOut != null) {
                try {
                    uploadOut.close();
                } catch (IOException e) {
                    LOG.debugf("closing the upload of a cancelled call: %s", e.getMessage());
                }
                uploadOut = null;
            }
        }

        private boolean isClosed() {
            synchronized (sendLock) {
                return closed;
            }
        }

        private void fail(StatusException e) {
            synchronized (sendLock) {
                if (closed) {
                    return;
                }
                closed = true;
                sendLock.notifyAll();
                out.onError(e);
            }
        }

        private void send(SegmentResponse r) {
            synchronized (sendLock) {
                if (!closed) {
                    out.onNext(r);
                }
            }
        }

        /** Sends when the transport can take it (outbound flow control), or gives up once the call ends. */
        private void sendWhenReady(SegmentResponse r) {
            synchronized (sendLock) {
                while (!closed && !out.isReady()) {
                    checkStop();
                    try {
                        sendLock.wait(200);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new Stopped();
                    }
                }
                if (!closed) {
                    out.onNext(r);
                }
            }
        }

        @Override
        public void checkStop() {
            if (clientGone || deadlineExpired() || isClosed()) {
                throw new Stopped();
            }
        }

        @Override
        public void progress(int done, int total) {
            if (done > slicesDone) {
                slots.countBatch();
            }
            slicesDone = done;
            totalSlices = total;
            send(progress(Progress.Stage.SEGMENTING));
        }

        /** On a segmentation thread. */
        private void runJob() {
            synchronized (lock) {
                running = true;
            }
            long startedRun = System.nanoTime();
            Path mask = null;
            Path probabilities = null;
            Path attention = null;
            String task = SegmentationTasks.orDefault(options.getTask());
            try {
                checkStop();
                String v = version.get(10, TimeUnit.MINUTES);
                try (ModelCache.Lease lease = models.lease(task, v)) {
                    checkStop();
                    SyncSegmentation.Result r = SyncSegmentation.run(upload, lease.segmenter(), reader,
                            config.grpc().batchSize(), augmentation, options.getReturnProbabilities(), this);
                    send(progress(Progress.Stage.WRITING));
                    long tw = System.nanoTime();
                    mask = Files.createTempFile(config.grpc().tempDir(), TEMP_PREFIX + "mask-", ".nii.gz");
                    ModelManifest manifest = lease.segmenter().manifest();
                    SyncSegmentation.writeMask(r, manifest, mask);
                    if (r.probabilities() != null) {
                        probabilities = Files.createTempFile(config.grpc().tempDir(), TEMP_PREFIX + "prob-",
                                ".nii.gz");
                        SyncSegmentation.writeProbabilities(r, manifest.classNames(), probabilities);
                    }
                    long writeMs = (System.nanoTime() - tw) / 1_000_000;
                    long attentionMs = 0;
                    if (options.getReturnAttention()) {
                        long ta = System.nanoTime();
                        attention = Files.createTempFile(config.grpc().tempDir(), TEMP_PREFIX + "att-", ".nii.gz");
                        SyncSegmentation.writeAttention(upload, lease.segmenter(), reader, config.grpc().batchSize(),
                                r.header(), attention, this);
                        attentionMs = (System.nanoTime() - ta) / 1_000_000;
                    }
                    SegmentReport.Builder report = SegmentReport.newBuilder().setTask(task).setModelVersion(v)
                            .addAllClassNames(manifest.classNames())
                            .addAllVolumes(Report.volumes(r.mask(), manifest.classNames()))
                            .setGeometry(BatchProcessor.geometry(r.mask()))
                            .setTta(augmentation == TestTimeAugmentation.FLIP)
                            .setAugmentation(ApiMapping.augmentation(augmentation));
                    Streamed m = stream(mask, b -> SegmentResponse.newBuilder().setMaskChunk(b).build());
                    report.setMaskBytes(m.bytes()).setMaskSha256(m.sha256());
                    if (probabilities != null) {
                        Streamed p = stream(probabilities,
                                b -> SegmentResponse.newBuilder().setProbabilitiesChunk(b).build());
                        report.setProbabilitiesBytes(p.bytes()).setProbabilitiesSha256(p.sha256());
                    }
                    if (attention != null) {
                        Streamed a = stream(attention,
                                b -> SegmentResponse.newBuilder().setAttentionChunk(b).build());
                        report.setAttentionBytes(a.bytes()).setAttentionSha256(a.sha256());
                    }
                    Map<String, Long> timings = new java.util.LinkedHashMap<>();
                    timings.put("queue", (startedRun - submittedAt) / 1_000_000);
                    timings.put("receive", (receivedAt - started) / 1_000_000);
                    timings.putAll(r.timingsMs());
                    timings.put("write", writeMs);
                    if (attention != null) {
                        timings.put("attention", attentionMs);
                    }
                    timings.put("total", (System.nanoTime() - started) / 1_000_000);
                    report.putAllTimingsMs(timings);
                    send(SegmentResponse.newBuilder().setReport(report).build());
                    synchronized (sendLock) {
                        if (!closed) {
                            closed = true;
                            out.onCompleted();
                        }
                    }
                    LOG.infof("Segment %s: %s v%s, %d slices in %d ms", displayName, task, v, r.totalSlices(),
                            timings.get("total"));
                }
            } catch (Stopped e) {
                if (deadlineExpired()) {
                    fail(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded after " + slicesDone + " of "
                            + totalSlices + " slices; the segmentation was stopped").asException());
                }
                LOG.infof("Segment %s stopped after %d of %d slices (%s)", displayName, slicesDone, totalSlices,
                        clientGone ? "client cancelled or disconnected" : "deadline exceeded");
            } catch (java.util.concurrent.ExecutionException e) {
                fail(toStatus(e.getCause()));
            } catch (BadInputException e) {
                fail(invalid(e.field(), e.getMessage().replace(upload.toString(), displayName)));
            } catch (Throwable e) {
                fail(toStatus(e));
            } finally {
                deleteQuietly(upload);
                deleteQuietly(mask);
                deleteQuietly(probabilities);
                deleteQuietly(attention);
            }
        }

        /** Sends a file in chunk messages as the transport takes them; its size and SHA-256. */
        private Streamed stream(Path file, java.util.function.Function<ByteString, SegmentResponse> message)
                throws IOException {
            MessageDigest sha;
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            long total = 0;
            byte[] buf = new byte[config.grpc().chunkBytes()];
            try (InputStream in = Files.newInputStream(file)) {
                int n;
                while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
                    sha.update(buf, 0, n);
                    total += n;
                    sendWhenReady(message.apply(ByteString.copyFrom(buf, 0, n)));
                    checkStop();
                }
            }
            return new Streamed(total, HexFormat.of().formatHex(sha.digest()));
        }
    }

    /** A file sent as chunks: its size and SHA-256 (lower-case hex). */
    private record Streamed(long bytes, String sha256) {
    }

    private static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warnf("cannot delete %s: %s", p, e.getMessage());
        }
    }

    @jakarta.annotation.PreDestroy
    void shutdown() {
        lookups.shutdownNow();
    }
}
