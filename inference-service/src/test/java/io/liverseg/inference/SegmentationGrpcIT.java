package io.liverseg.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.nifti.NiftiHeader;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.nifti.NiftiWriter;
import io.liverseg.imaging.phantom.PhantomCase;
import io.liverseg.imaging.phantom.PhantomGenerator;
import io.liverseg.imaging.phantom.PhantomOptions;
import io.liverseg.imaging.phantom.StorageType;
import io.liverseg.localstack.LocalStackResource;
import io.liverseg.model.DeviceSetting;
import io.liverseg.model.predict.Segmenter;
import io.liverseg.model.predict.TestTimeAugmentation;
import io.liverseg.proto.segmentation.v1.Augmentation;
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
import io.liverseg.proto.segmentation.v1.SegmentResponse;
import io.liverseg.proto.segmentation.v1.SegmentationGrpc;
import io.liverseg.storage.ModelRegistry;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gRPC API over a real TCP channel to the started service (gRPC shares the HTTP port), on the real S3 server
 * with the registry seeded from the repository's models/ (liver champion version 2).
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackResource.class, initArgs = {
        @ResourceArg(name = LocalStackResource.BUCKETS, value = "liverseg"),
        @ResourceArg(name = LocalStackResource.TOPICS, value = "liverseg.slices.ready:2,liverseg.masks.ready,"
                + "liverseg.metrics,liverseg.scans.failed,liverseg.dead-letter")})
class SegmentationGrpcIT {
    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final Path DATA = Paths.get("target", "grpc-it");
    private static final String SERVICE = "liverseg.segmentation.v1.Segmentation";

    @TestHTTPResource("/")
    URL url;

    @Inject
    SegmentationSlots slots;

    @Inject
    InferenceConfig config;

    @Inject
    ObjectStore store;

    @Inject
    ModelCache models;

    private ManagedChannel channel;
    private String boot;
    private SegmentationGrpc.SegmentationStub async;
    private SegmentationGrpc.SegmentationBlockingStub blocking;

    @BeforeEach
    void connect() throws Exception {
        // the repository's liver package (models/liver), the registry's seeded champion
        boot = ModelRegistry.packageVersion(config.registry().seedDir().orElseThrow().resolve("liver"));
        channel = ManagedChannelBuilder.forAddress(url.getHost(), url.getPort()).usePlaintext()
                .maxInboundMessageSize(8 << 20).build();
        async = SegmentationGrpc.newStub(channel);
        blocking = SegmentationGrpc.newBlockingStub(channel);
        // the model loaded once, so timings and deadlines below measure segmentation, not loading
        try (ModelCache.Lease lease = models.lease("liver", boot)) {
            assertThat(lease.segmenter().manifest().version()).isEqualTo(boot);
        }
    }

    @AfterEach
    void disconnect() throws Exception {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> slots.admitted() == 0);
    }

    private static Path packageDir() {
        return Paths.get(System.getProperty("liverseg.registry.seed-dir"), "liver");
    }

    /** A phantom CT written once under target/grpc-it. */
    private static synchronized Path phantom(int size, int slices, String orientation, StorageType storage, long seed)
            throws Exception {
        Path file = DATA.resolve("phantom-" + size + "x" + slices + "-" + orientation + "-" + storage + "-" + seed
                + ".nii.gz");
        if (!Files.exists(file)) {
            Files.createDirectories(DATA);
            PhantomOptions o = PhantomOptions.defaults().withSize(size).withSlices(slices, slices).withSeed(seed)
                    .withOrientations(orientation).withStorageTypes(storage).withTumours(0, 2);
            PhantomCase c = new PhantomGenerator(o).generate(0);
            NiftiWriter.write(c.image(), file);
        }
        return file;
    }

    private static SegmentOptions.Builder options(Path file) throws Exception {
        return SegmentOptions.newBuilder().setFileName(file.getFileName().toString()).setSizeBytes(Files.size(file));
    }

    private SegmentCallClient.Outcome segment(SegmentOptions options, Path file, int chunk) throws Exception {
        return SegmentCallClient.start(async, options, file, chunk, p -> { }).outcome().get(10, TimeUnit.MINUTES);
    }

    private List<Path> tempFiles() throws Exception {
        try (Stream<Path> s = Files.list(config.grpc().tempDir())) {
            return s.filter(p -> p.getFileName().toString().startsWith(SegmentationGrpcService.TEMP_PREFIX)).toList();
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** The mask file on the input's exact grid; returns it read. */
    private static Volume checkGrid(Path input, byte[] maskBytes, Path maskFile) throws Exception {
        Files.write(maskFile, maskBytes);
        return MaskFiles.readOnInputGrid(input, maskFile);
    }

    @Test
    void phantomRoundTripEqualsTheStreamingPathsMask() throws Exception {
        Path file = phantom(64, 20, "LPS", StorageType.INT16_OFFSET, 31);
        List<Progress> seen = new ArrayList<>();
        // 16 KiB chunks: the file arrives in many messages
        SegmentCallClient.Outcome o = SegmentCallClient.start(async, options(file).build(), file, 16 << 10, seen::add)
                .outcome().get(5, TimeUnit.MINUTES);
        assertThat(o.status().getCode()).as(String.valueOf(o.status())).isEqualTo(Status.Code.OK);
        SegmentReport r = o.report();
        assertThat(r.getTask()).isEqualTo("liver");
        assertThat(r.getModelVersion()).isEqualTo(boot);
        assertThat(r.getClassNamesList()).containsExactly("background", "liver", "tumour");
        assertThat(r.getMaskBytes()).isEqualTo(o.mask().length);
        assertThat(r.getMaskSha256()).isEqualTo(sha256(o.mask()));
        assertThat(r.getTimingsMsMap()).containsKeys("queue", "receive", "read_and_preprocess", "inference",
                "postprocess", "write", "total");
        assertThat(r.getGeometry().getDimsList()).containsExactly(64, 64, 20);
        assertThat(seen.get(0).getStage()).isEqualTo(Progress.Stage.RECEIVING);
        Progress last = seen.stream().filter(p -> p.getStage() == Progress.Stage.SEGMENTING).reduce((a, b) -> b)
                .orElseThrow();
        assertThat(last.getSlicesDone()).isEqualTo(20);
        assertThat(last.getTotalSlices()).isEqualTo(20);
        assertThat(last.getBytesReceived()).isEqualTo(Files.size(file));

        Volume mask = checkGrid(file, o.mask(), DATA.resolve("round-trip-mask.nii.gz"));
        try (Segmenter reference = Segmenter.open(packageDir(), DeviceSetting.CPU)) {
            // what preprocess + inference-service compute for this file (batch 32, no TTA), proven equal in
            // InferenceIT and MeshIT
            Volume expected = reference.segment(file, NiftiReader.defaults(), new Segmenter.Options(32)).mask();
            assertThat(mask.dims()).isEqualTo(expected.dims());
            assertThat(mask.affine()).isEqualTo(expected.affine());
            byte[] got = mask.voxels().byteArray();
            byte[] want = expected.voxels().byteArray();
            assertThat(got).hasSameSizeAs(want);
            int differ = 0;
            for (int i = 0; i < got.length; i++) {
                differ += got[i] != want[i] ? 1 : 0;
            }
            assertThat(differ).as("voxels that differ from Segmenter.segment's mask (of %d)", got.length).isZero();
            long liver = 0;
            for (byte b : want) {
                liver += b == 1 ? 1 : 0;
            }
            assertThat(r.getVolumes(1).getVoxels()).isEqualTo(liver).isPositive();
        }
        long voxels = r.getVolumesList().stream().mapToLong(v -> v.getVoxels()).sum();
        assertThat(voxels).isEqualTo(64L * 64 * 20);
        awaitNoTempFiles();

        // the same version named explicitly gives the same bytes
        SegmentCallClient.Outcome again = segment(options(file).setModelVersion(boot).build(), file, 1 << 20);
        assertThat(again.status().isOk()).as(String.valueOf(again.status())).isTrue();
        assertThat(again.report().getMaskSha256()).isEqualTo(r.getMaskSha256());
    }

    @Test
    void shiftAugmentationGivesTheMaskOfSegmenterWithIt() throws Exception {
        Path file = phantom(64, 12, "RAS", StorageType.INT16, 33);
        SegmentCallClient.Outcome o = segment(options(file).setAugmentation(Augmentation.AUGMENTATION_SHIFT).build(),
                file, 1 << 20);
        assertThat(o.status().getCode()).as(String.valueOf(o.status())).isEqualTo(Status.Code.OK);
        assertThat(o.report().getAugmentation()).isEqualTo(Augmentation.AUGMENTATION_SHIFT);
        assertThat(o.report().getTta()).isFalse();
        Volume mask = checkGrid(file, o.mask(), DATA.resolve("shift-mask.nii.gz"));
        try (Segmenter reference = Segmenter.open(packageDir(), DeviceSetting.CPU)) {
            Volume shifted = reference.segment(file, NiftiReader.defaults(),
                    new Segmenter.Options(32, TestTimeAugmentation.SHIFT)).mask();
            Volume plain = reference.segment(file, NiftiReader.defaults(), new Segmenter.Options(32)).mask();
            assertThat(mask.voxels().byteArray()).isEqualTo(shifted.voxels().byteArray());
            // the option reached the predictor: five passes averaged are not the one pass's mask
            assertThat(shifted.voxels().byteArray()).isNotEqualTo(plain.voxels().byteArray());
        }
        awaitNoTempFiles();
    }

    @Test
    void a512x512x400VolumeRoundTrips() throws Exception {
        Path file = phantom(512, 400, "LPS", StorageType.INT16, 32);
        SegmentCallClient.Outcome o = segment(options(file).build(), file, 1 << 20);
        assertThat(o.status().getCode()).as(String.valueOf(o.status())).isEqualTo(Status.Code.OK);
        assertThat(o.report().getGeometry().getDimsList()).containsExactly(512, 512, 400);
        assertThat(o.report().getMaskSha256()).isEqualTo(sha256(o.mask()));
        Progress last = o.progress().get(o.progress().size() - 1);
        assertThat(last.getSlicesDone()).isEqualTo(400);
        Volume mask = checkGrid(file, o.mask(), DATA.resolve("large-mask.nii.gz"));
        assertThat(mask.dims()).containsExactly(512, 512, 400);
        assertThat(o.report().getVolumesList().stream().mapToLong(v -> v.getVoxels()).sum())
                .isEqualTo(512L * 512 * 400);
        assertThat(o.report().getVolumes(1).getVoxels()).isPositive();
        awaitNoTempFiles();
    }

    @Test
    void aBadFileIsInvalidArgumentNamingTheField() throws Exception {
        Path bad = DATA.resolve("not-a-scan.nii");
        Files.createDirectories(DATA);
        Files.write(bad, new byte[400]);
        SegmentCallClient.Outcome o = segment(options(bad).build(), bad, 1 << 20);
        assertThat(o.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(o.status().getDescription()).contains("not-a-scan.nii").contains("sizeof_hdr")
                .doesNotContain(config.grpc().tempDir().toString());
        assertThat(o.trailers().get(SegmentationGrpcService.FIELD)).isEqualTo("sizeof_hdr");
        awaitNoTempFiles();

        // truncated gzip: the voxel data ends early
        Path good = phantom(64, 20, "RAS", StorageType.FLOAT32, 33);
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = DATA.resolve("truncated.nii.gz");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        SegmentCallClient.Outcome t = segment(options(truncated).build(), truncated, 1 << 20);
        assertThat(t.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(t.status().getDescription()).contains("truncated.nii.gz");
        assertThat(t.trailers().get(SegmentationGrpcService.FIELD)).isNotBlank();

        // not CT in HU (all zeros, as an empty label sent as the scan would be): refused naming the data
        Path label = DATA.resolve("zeros.nii.gz");
        io.liverseg.imaging.nifti.NiftiWriter.write(io.liverseg.imaging.nifti.NiftiReader.defaults()
                .readScan(good).withVoxels(io.liverseg.imaging.Voxels.ofShorts(new short[64 * 64 * 20]), 1, 0), label);
        SegmentCallClient.Outcome l = segment(options(label).build(), label, 1 << 20);
        assertThat(l.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(l.status().getDescription()).contains("zeros.nii.gz")
                .contains("not CT Hounsfield units");
        assertThat(l.trailers().get(SegmentationGrpcService.FIELD)).isEqualTo("data");
        awaitNoTempFiles();
    }

    @Test
    void refusalsComeAsStatusCodes() throws Exception {
        Path file = phantom(64, 20, "LPS", StorageType.INT16_OFFSET, 31);
        // a task without a champion (its registry pointer removed for this call): UNAVAILABLE, before the upload ends
        String pointer = ObjectKeys.champion("vessels");
        java.util.Optional<byte[]> champion = store.get(pointer);
        store.delete(pointer);
        try {
            SegmentCallClient.Outcome noModel = segment(options(file).setTask("vessels").build(), file, 1 << 20);
            assertThat(noModel.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(noModel.status().getDescription()).contains("vessels").contains("champion");
        } finally {
            champion.ifPresent(b -> store.put(pointer, b, "application/json"));
        }

        SegmentCallClient.Outcome noVersion = segment(options(file).setModelVersion("999").build(), file, 1 << 20);
        assertThat(noVersion.status().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(noVersion.status().getDescription()).contains("999");

        long tooBig = config.grpc().maxUploadBytes() + 1;
        SegmentCallClient.Outcome large = segment(options(file).setSizeBytes(tooBig).build(), file, 1 << 20);
        assertThat(large.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(large.status().getDescription()).contains("max-upload-bytes");

        // a chunk larger than the inbound message limit (4 MiB)
        Path big = DATA.resolve("five-mib.bin");
        Files.write(big, new byte[5 << 20]);
        SegmentCallClient.Outcome huge = segment(options(big).build(), big, 5 << 20);
        assertThat(huge.status().getCode()).isIn(Status.Code.RESOURCE_EXHAUSTED, Status.Code.CANCELLED);
        await().atMost(WAIT).until(() -> slots.admitted() == 0);
        awaitNoTempFiles();
    }

    @Test
    void beyondTheQueueRequestsAreRefusedAndCancelledOnesFreeTheirPlace() throws Exception {
        Path file = phantom(64, 20, "LPS", StorageType.INT16_OFFSET, 31);
        int places = slots.maxConcurrent() + slots.maxQueued();
        List<SegmentCallClient> holders = new ArrayList<>();
        for (int i = 0; i < places; i++) {
            holders.add(SegmentCallClient.optionsOnly(async, options(file).build()));
        }
        await().atMost(WAIT).until(() -> slots.admitted() == places);
        SegmentCallClient.Outcome refused = segment(options(file).build(), file, 1 << 20);
        assertThat(refused.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(refused.status().getDescription()).contains("busy");
        holders.forEach(SegmentCallClient::cancel);
        await().atMost(WAIT).until(() -> slots.admitted() == 0);
        awaitNoTempFiles();
        assertThat(segment(options(file).build(), file, 1 << 20).ok()).isTrue();
    }

    @Test
    void aDeadlineStopsTheWork() throws Exception {
        Path file = phantom(256, 320, "LPS", StorageType.INT16, 34);
        long before = slots.batchesPredicted();
        SegmentCallClient c = SegmentCallClient.start(async.withDeadline(Deadline.after(4, TimeUnit.SECONDS)),
                options(file).build(), file, 1 << 20, p -> { });
        SegmentCallClient.Outcome o = c.outcome().get(2, TimeUnit.MINUTES);
        assertThat(o.status().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        // the server stopped: no segmentation running, no more batches, fewer than the file's 10
        await().atMost(WAIT).until(() -> slots.running() == 0 && slots.admitted() == 0);
        long stopped = slots.batchesPredicted();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                .until(() -> slots.batchesPredicted() == stopped);
        assertThat(stopped - before).isLessThan(10);
        awaitNoTempFiles();
        // and the next call is served
        Path small = phantom(64, 20, "LPS", StorageType.INT16_OFFSET, 31);
        assertThat(segment(options(small).build(), small, 1 << 20).ok()).isTrue();
    }

    @Test
    void aClientCancelFreesTheSlotAndTheFiles() throws Exception {
        Path file = phantom(256, 320, "LPS", StorageType.INT16, 34);
        CompletableFuture<Void> segmenting = new CompletableFuture<>();
        SegmentCallClient c = SegmentCallClient.start(async, options(file).build(), file, 1 << 20, p -> {
            if (p.getStage() == Progress.Stage.SEGMENTING && p.getSlicesDone() > 0) {
                segmenting.complete(null);
            }
        });
        segmenting.get(2, TimeUnit.MINUTES);
        assertThat(slots.running()).isEqualTo(1);
        long before = slots.batchesPredicted();
        c.cancel();
        assertThat(c.outcome().get(1, TimeUnit.MINUTES).status().getCode()).isEqualTo(Status.Code.CANCELLED);
        await().atMost(WAIT).until(() -> slots.running() == 0 && slots.admitted() == 0);
        long stopped = slots.batchesPredicted();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                .until(() -> slots.batchesPredicted() == stopped);
        assertThat(stopped - before).isLessThan(9);
        awaitNoTempFiles();
        Path small = phantom(64, 20, "LPS", StorageType.INT16_OFFSET, 31);
        assertThat(segment(options(small).build(), small, 1 << 20).ok()).isTrue();
    }

    @Test
    void healthIsServingAndReflectionListsTheService() throws Exception {
        HealthOuterClass.HealthCheckResponse h = HealthGrpc.newBlockingStub(channel)
                .check(HealthOuterClass.HealthCheckRequest.newBuilder().setService("").build());
        assertThat(h.getStatus()).isEqualTo(HealthOuterClass.HealthCheckResponse.ServingStatus.SERVING);

        CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> req = ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse r) {
                        answer.complete(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        req.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        ServerReflectionResponse r = answer.get(1, TimeUnit.MINUTES);
        req.onCompleted();
        assertThat(r.getListServicesResponse().getServiceList()).extracting(s -> s.getName())
                .contains(SERVICE, "grpc.health.v1.Health");
    }

    @Test
    void modelsComeFromTheRegistry() {
        ListModelsResponse list = blocking.listModels(ListModelsRequest.getDefaultInstance());
        ModelTask liver = list.getTasksList().stream().filter(t -> t.getTask().equals("liver")).findFirst()
                .orElseThrow();
        assertThat(liver.getVersionsList()).contains(boot);
        assertThat(liver.getChampion().getVersion()).isEqualTo(boot);
        assertThat(liver.getChampion().getReason()).isEqualTo("seed");

        Model m = blocking.getModel(GetModelRequest.newBuilder().setTask("liver").build());
        assertThat(m.getVersion()).isEqualTo(boot);
        assertThat(m.getChampion()).isTrue();
        assertThat(m.getClassNamesList()).containsExactly("background", "liver", "tumour");
        assertThat(m.getTargetSize()).isEqualTo(256);
        assertThat(m.getMetricsMap()).containsKeys("validation_dice.liver", "mean_foreground_dice");
        assertThat(m.getMetricsMap().get("validation_dice.liver")).isBetween(0.0, 1.0);
        assertThat(m.getManifestJson()).contains("\"attention-residual-unet\"");

        StatusRuntimeException missing = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> blocking.getModel(GetModelRequest.newBuilder().setTask("liver").setVersion("999").build()));
        assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void getScanReadsTheStreamingPathsStatusAndReports() throws Exception {
        String id = sha256("grpc-get-scan".getBytes(StandardCharsets.UTF_8));
        store.put(ObjectKeys.scanRecord(id), ("{\"scan_id\":\"" + id + "\",\"file_name\":\"case.nii.gz\","
                + "\"size_bytes\":10,\"image_key\":\"scans/" + id + "/image.nii.gz\",\"label_key\":null,"
                + "\"source\":\"upload\",\"received_at\":\"2026-01-01T00:00:00Z\",\"metadata\":{}}")
                .getBytes(StandardCharsets.UTF_8), "application/json");
        store.put(ObjectKeys.batchPlan(id, "liver", boot), ("{\"scan_id\":\"" + id + "\",\"batch_count\":1}")
                .getBytes(StandardCharsets.UTF_8), "application/json");
        store.put(ObjectKeys.part(id, "liver", boot, 0), new byte[] {1}, "application/octet-stream");
        store.put(ObjectKeys.report(id, "liver"), ("{\"scan_id\":\"" + id + "\",\"task\":\"liver\",\"model_version\":\"2\","
                + "\"class_names\":[\"background\",\"liver\",\"tumour\"],\"volumes\":[{\"label\":1,\"name\":\"liver\","
                + "\"voxels\":100,\"volume_ml\":1.5}],\"timings_ms\":{\"inference\":7},\"mask_key\":\"masks/" + id
                + "/liver/mask.nii.gz\",\"created_at\":\"2026-01-01T00:00:01Z\"}").getBytes(StandardCharsets.UTF_8),
                "application/json");
        Scan s = blocking.getScan(GetScanRequest.newBuilder().setScanId(id).build());
        assertThat(s.getStatus()).isEqualTo("mask_ready");
        assertThat(s.getFileName()).isEqualTo("case.nii.gz");
        assertThat(s.getHasLabel()).isFalse();
        assertThat(s.getTasksMap().get("liver").getStatus()).isEqualTo("mask_ready");
        assertThat(s.getTasksMap().get("liver").getModelVersion()).isEqualTo(boot);
        assertThat(s.getTasksMap().get("vessels").getStatus()).isEqualTo("pending");
        assertThat(s.getReportsMap().get("liver").getVolumes(0).getVolumeMl()).isEqualTo(1.5);
        assertThat(s.getReportsMap().get("liver").getTimingsMsMap()).containsEntry("inference", 7L);

        String unknown = sha256("never uploaded".getBytes(StandardCharsets.UTF_8));
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> blocking.getScan(GetScanRequest.newBuilder().setScanId(unknown).build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        StatusRuntimeException bad = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> blocking.getScan(GetScanRequest.newBuilder().setScanId("../x").build()));
        assertThat(bad.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    /** The server deletes a call's files right after it answers: they must be gone promptly, not at once. */
    private void awaitNoTempFiles() {
        await().atMost(WAIT).untilAsserted(() -> assertThat(tempFiles()).isEmpty());
    }

    @Test
    void probabilitiesComeAfterTheMaskOnTheInputsGridAndTheMaskIsTheirArgmax() throws Exception {
        // stored RPI (x and z flipped against LPS): the probabilities go through the same inverse reorientation
        Path file = phantom(64, 20, "RPI", StorageType.INT16, 33);
        SegmentCallClient.Outcome o = segment(options(file).setReturnProbabilities(true).build(), file, 1 << 20);
        assertThat(o.status().getCode()).as(String.valueOf(o.status())).isEqualTo(Status.Code.OK);
        assertThat(o.sequence()).containsExactly(SegmentResponse.KindCase.PROGRESS, SegmentResponse.KindCase.MASK_CHUNK,
                SegmentResponse.KindCase.PROBABILITIES_CHUNK, SegmentResponse.KindCase.REPORT);
        SegmentReport r = o.report();
        assertThat(r.getProbabilitiesBytes()).isEqualTo(o.probabilities().length).isPositive();
        assertThat(r.getProbabilitiesSha256()).isEqualTo(sha256(o.probabilities()));
        // asking for probabilities does not change the mask
        SegmentCallClient.Outcome plain = segment(options(file).build(), file, 1 << 20);
        assertThat(plain.report().getMaskSha256()).isEqualTo(r.getMaskSha256());
        assertThat(plain.probabilities()).isEmpty();
        assertThat(plain.report().getProbabilitiesBytes()).isZero();

        Volume mask = checkGrid(file, o.mask(), DATA.resolve("prob-mask.nii.gz"));
        Path probFile = DATA.resolve("probabilities.nii.gz");
        Files.write(probFile, o.probabilities());
        NiftiReader reader = NiftiReader.defaults();
        NiftiHeader in = reader.readHeader(file);
        NiftiHeader ph = reader.readHeader(probFile);
        assertThat(ph.dim()[0]).isEqualTo(4);
        assertThat(java.util.Arrays.copyOfRange(ph.dim(), 1, 4)).containsExactly(64, 64, 20);
        assertThat(ph.dim()[4]).isEqualTo(3);
        assertThat(ph.affine()).isEqualTo(in.affine());
        assertThat(ph.srowX()).isEqualTo(in.srowX());
        assertThat(ph.qformCode()).isEqualTo(in.qformCode());
        assertThat(ph.sformCode()).isEqualTo(in.sformCode());
        assertThat(ph.datatype()).isEqualTo(2); // uint8
        assertThat(ph.sclSlope()).isEqualTo(1.0 / 255, within(1e-9));
        assertThat(ph.calMax()).isEqualTo(1.0);
        assertThat(ph.intentName()).isEqualTo("probabilities");
        assertThat(ph.descrip()).contains("background,liver,tumour");

        Volume p = reader.readVolume(probFile);
        byte[] q = p.voxels().byteArray();
        byte[] labels = mask.voxels().byteArray();
        int n3 = labels.length;
        for (int v = 0; v < n3; v++) {
            int sum = 0;
            int best = 0;
            for (int c = 0; c < 3; c++) {
                int b = q[c * n3 + v] & 0xFF;
                sum += b;
                best = Math.max(best, b);
            }
            assertThat(sum).as("voxel %d: probabilities sum to 1", v).isBetween(253, 257);
            if (labels[v] != 0) {
                // postprocessing only ever removes foreground: a foreground label is the argmax
                assertThat(q[labels[v] * n3 + v] & 0xFF).as("voxel %d", v).isEqualTo(best);
            }
        }
        // the very probabilities Segmenter computes for this file (batch 32, as the server), byte for byte
        try (Segmenter reference = Segmenter.open(packageDir(), DeviceSetting.CPU)) {
            Volume expected = reference.segment(file, NiftiReader.defaults(),
                    new Segmenter.Options(32, TestTimeAugmentation.NONE, true))
                    .probabilities();
            assertThat(p.dims()).isEqualTo(expected.dims());
            assertThat(q).isEqualTo(expected.voxels().byteArray());
        }
        // scl_slope is a float32 in the header: a stored 255 reads as 1.0 to float precision
        int certain = 0;
        while (certain < q.length && (q[certain] & 0xFF) != 255) {
            certain++;
        }
        assertThat(certain).as("some voxel is certain of its class").isLessThan(q.length);
        assertThat(p.value(certain)).isCloseTo(1.0, within(1e-6));
        awaitNoTempFiles();
    }
    @Test
    void attentionMapsComeAfterTheMaskOnTheInputsGridAsSegmenterMakesThem() throws Exception {
        // stored LPS (x and y flipped against RAS): the maps go through the mask's inverse reorientation
        Path file = phantom(64, 20, "LPS", StorageType.INT16, 34);
        SegmentCallClient.Outcome o = segment(options(file).setReturnAttention(true).build(), file, 1 << 20);
        assertThat(o.status().getCode()).as(String.valueOf(o.status())).isEqualTo(Status.Code.OK);
        assertThat(o.sequence()).containsExactly(SegmentResponse.KindCase.PROGRESS, SegmentResponse.KindCase.MASK_CHUNK,
                SegmentResponse.KindCase.ATTENTION_CHUNK, SegmentResponse.KindCase.REPORT);
        SegmentReport r = o.report();
        assertThat(r.getAttentionBytes()).isEqualTo(o.attention().length).isPositive();
        assertThat(r.getAttentionSha256()).isEqualTo(sha256(o.attention()));
        assertThat(r.getTimingsMsMap()).containsKey("attention");
        assertThat(r.getProbabilitiesBytes()).isZero();
        // asking for attention maps does not change the mask
        SegmentCallClient.Outcome plain = segment(options(file).build(), file, 1 << 20);
        assertThat(plain.report().getMaskSha256()).isEqualTo(r.getMaskSha256());
        assertThat(plain.attention()).isEmpty();
        assertThat(plain.report().getAttentionBytes()).isZero();

        Path attFile = DATA.resolve("attention.nii.gz");
        Files.write(attFile, o.attention());
        NiftiReader reader = NiftiReader.defaults();
        NiftiHeader in = reader.readHeader(file);
        NiftiHeader ah = reader.readHeader(attFile);
        assertThat(ah.dim()[0]).isEqualTo(4);
        assertThat(java.util.Arrays.copyOfRange(ah.dim(), 1, 4)).containsExactly(64, 64, 20);
        try (Segmenter reference = Segmenter.open(packageDir(), DeviceSetting.CPU)) {
            assertThat(ah.dim()[4]).isEqualTo(reference.attentionGates());
            assertThat(ah.affine()).isEqualTo(in.affine());
            assertThat(ah.qformCode()).isEqualTo(in.qformCode());
            assertThat(ah.sformCode()).isEqualTo(in.sformCode());
            assertThat(ah.intentName()).isEqualTo("attention");
            assertThat(ah.sclSlope()).isEqualTo(1.0 / 255, within(1e-9));
            // the very maps Segmenter computes for this file (batch 32, as the server), byte for byte
            Volume expected = reference.attentionMaps(file, reader, 32);
            assertThat(reader.readVolume(attFile).voxels().byteArray()).isEqualTo(expected.voxels().byteArray());
        }
        awaitNoTempFiles();
    }
}
