package io.liverseg.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.nifti.NiftiHeader;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.nifti.NiftiWriter;
import io.liverseg.imaging.phantom.PhantomCase;
import io.liverseg.imaging.phantom.PhantomGenerator;
import io.liverseg.imaging.phantom.PhantomOptions;
import io.liverseg.imaging.phantom.StorageType;
import io.liverseg.imaging.preprocess.PreprocessingSpec;
import io.liverseg.imaging.preprocess.SliceBatch;
import io.liverseg.imaging.preprocess.SliceBatchCodec;
import io.liverseg.imaging.preprocess.SlicePreprocessor;
import io.liverseg.localstack.LocalStackResource;
import io.liverseg.localstack.MetricsScrape;
import io.liverseg.localstack.TopicProbe;
import io.liverseg.messaging.KafkaEvents;
import io.liverseg.model.DeviceSetting;
import io.liverseg.model.pkg.ModelPackage;
import io.liverseg.model.predict.Segmenter;
import io.liverseg.model.predict.SlicePredictor;
import io.liverseg.proto.EventType;
import io.liverseg.proto.Topics;
import io.liverseg.proto.events.v1.MaskReady;
import io.liverseg.proto.events.v1.ScanFailed;
import io.liverseg.proto.events.v1.SegmentationMetrics;
import io.liverseg.proto.events.v1.SliceBatchReady;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ModelRegistry;
import io.liverseg.storage.ObjectStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service on the real broker and S3Proxy with the repository's liver package (registry seeded from models/).
 * The batches are made here exactly as preprocess-service makes them (SlicePreprocessor with the package's spec,
 * SliceBatchCodec), and the mask must equal {@link Segmenter#segment} on the same file voxel for voxel.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackResource.class, initArgs = {
        @ResourceArg(name = LocalStackResource.BUCKETS, value = "liverseg"),
        @ResourceArg(name = LocalStackResource.TOPICS, value = "liverseg.slices.ready:2,liverseg.masks.ready,"
                + "liverseg.metrics,liverseg.scans.failed,liverseg.dead-letter")})
class InferenceIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int BATCH = 16;
    private static final String MASKS = EventType.MASK_READY.topic();
    private static final String METRICS = EventType.SEGMENTATION_METRICS.topic();

    @Inject
    ObjectStore store;

    @Inject
    ModelCache models;

    /** Version of the repository's liver package (models/liver), the registry's seeded champion. */
    private String boot;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @TempDir
    Path dir;

    private TopicProbe kafka;

    @BeforeEach
    void connect() throws Exception {
        boot = ModelRegistry.packageVersion(packageDir());
        kafka = new TopicProbe(bootstrap, MASKS, METRICS, EventType.SCAN_FAILED.topic(), Topics.DEAD_LETTER);
    }

    @AfterEach
    void disconnect() {
        kafka.close();
    }

    private static Path packageDir() {
        return Paths.get(System.getProperty("liverseg.registry.seed-dir"), "liver");
    }

    /** A phantom in S3 and its batches, made as preprocess-service makes them. */
    record Prepared(String scanId, Path file, List<SliceBatchReady> events) {
    }

    private Prepared prepare(long seed, String orientation, StorageType storage, boolean withLabel) throws Exception {
        PhantomOptions o = PhantomOptions.defaults().withSize(64).withSlices(20, 20).withSeed(seed)
                .withOrientations(orientation).withStorageTypes(storage).withTumours(0, 2);
        PhantomCase c = new PhantomGenerator(o).generate(0);
        Path file = dir.resolve("scan-" + seed + ".nii.gz");
        NiftiWriter.write(c.image(), file);
        byte[] bytes = Files.readAllBytes(file);
        String id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        String imageKey = ObjectKeys.image(id, true);
        store.put(imageKey, bytes, "application/octet-stream");
        String labelKey = "";
        if (withLabel) {
            Path label = dir.resolve("label-" + seed + ".nii.gz");
            NiftiWriter.write(c.label(), label);
            labelKey = ObjectKeys.label(id, true);
            store.putFile(labelKey, label, "application/octet-stream");
        }
        Volume ct = NiftiReader.defaults().readScan(file);
        assertThat(ct.orientation()).isEqualTo(orientation);
        PreprocessingSpec spec = ModelPackage.readManifest(packageDir()).preprocessing().toSpec();
        SlicePreprocessor pre = new SlicePreprocessor(ct, spec);
        int total = pre.sliceCount();
        int count = (total + BATCH - 1) / BATCH;
        List<SliceBatchReady> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            SliceBatch b = pre.batch(i * BATCH, Math.min(BATCH, total - i * BATCH));
            String key = ObjectKeys.batch(id, "liver", boot, i);
            store.put(key, SliceBatchCodec.encode(b), "application/octet-stream");
            events.add(SliceBatchReady.newBuilder().setScanId(id).setTask("liver").setModelVersion(boot)
                    .setBatchIndex(i).setBatchCount(count).setFirstSlice(b.firstSlice()).setSliceCount(b.count())
                    .setTotalSlices(total).setBucket(store.bucket()).setTensorKey(key)
                    .setGeometry(BatchProcessor.geometry(ct)).setImageKey(imageKey).setLabelKey(labelKey)
                    .setReceivedAt(KafkaEvents.timestamp(Instant.now().minusSeconds(2))).setPreprocessMs(40L + i)
                    .build());
        }
        return new Prepared(id, file, events);
    }

    private RecordMetadata publish(SliceBatchReady e) throws Exception {
        return kafka.publish(EventType.SLICE_BATCH_READY.topic(), e.getScanId(), EventType.SLICE_BATCH_READY.ceType(),
                e.getScanId() + ":liver:" + boot + ":batch:" + e.getBatchIndex(), e.toByteArray());
    }

    private MaskReady awaitMask(String id) throws Exception {
        List<ConsumerRecord<String, byte[]>> recs = await().atMost(WAIT)
                .until(() -> kafka.records(MASKS, id), l -> !l.isEmpty());
        assertThat(TopicProbe.header(recs.get(0), "ce_id")).isEqualTo(id + ":liver:" + boot + ":mask");
        assertThat(TopicProbe.header(recs.get(0), "ce_type")).isEqualTo(EventType.MASK_READY.ceType());
        assertThat(TopicProbe.header(recs.get(0), "ce_source")).isEqualTo("/liverseg/inference");
        return MaskReady.parseFrom(recs.get(0).value());
    }

    /** The mask in S3 is on the input's exact grid and equals Segmenter's mask for the same file and package. */
    private Volume checkMask(Prepared p, MaskReady ready) throws Exception {
        assertThat(ready.getMaskKey()).isEqualTo(ObjectKeys.mask(p.scanId(), "liver"));
        Path maskFile = dir.resolve("mask-" + p.scanId().substring(0, 8) + ".nii.gz");
        assertThat(store.download(ready.getMaskKey(), maskFile)).isTrue();
        Volume mask = MaskFiles.readOnInputGrid(p.file(), maskFile);
        NiftiReader reader = NiftiReader.defaults();
        NiftiHeader in = reader.readHeader(p.file());

        try (Segmenter reference = Segmenter.open(packageDir(), DeviceSetting.CPU)) {
            Volume expected = reference.segment(p.file(), reader, new Segmenter.Options(BATCH)).mask();
            assertThat(mask.dims()).isEqualTo(expected.dims());
            byte[] got = mask.voxels().byteArray();
            byte[] want = expected.voxels().byteArray();
            assertThat(got).hasSameSizeAs(want);
            int differ = 0;
            for (int i = 0; i < got.length; i++) {
                differ += got[i] != want[i] ? 1 : 0;
            }
            assertThat(differ).as("voxels that differ from Segmenter.segment's mask (of %d)", got.length).isZero();
            assertThat(mask.affine()).isEqualTo(expected.affine());
        }
        assertThat(ready.getGeometry().getDimsList()).containsExactly(in.dim()[1] > 0 ? (int) in.dim()[1] : 0,
                (int) in.dim()[2], (int) in.dim()[3]);
        return mask;
    }

    @Test
    void lpsScanWithLabelGivesItsMaskReportMetricsAndExactlyOneMaskReady() throws Exception {
        Instant started = Instant.now();
        Prepared p = prepare(21, "LPS", StorageType.INT16_OFFSET, true);
        assertThat(p.events()).hasSize(2);
        RecordMetadata last = null;
        for (SliceBatchReady e : p.events()) {
            last = publish(e);
        }
        String id = p.scanId();
        MaskReady ready = awaitMask(id);
        assertThat(ready.getModelVersion()).isEqualTo(boot);
        assertThat(ready.getTask()).isEqualTo("liver");
        assertThat(ready.getReportKey()).isEqualTo(ObjectKeys.report(id, "liver"));
        assertThat(ready.getVolumesList()).extracting(v -> v.getName())
                .containsExactly("background", "liver", "tumour");
        Volume mask = checkMask(p, ready);
        long voxels = ready.getVolumesList().stream().mapToLong(v -> v.getVoxels()).sum();
        assertThat(voxels).isEqualTo(mask.voxels().size());
        assertThat(ready.getTimingsMsMap()).containsKeys("preprocess", "inference", "assemble", "upload_to_mask");
        assertThat(ready.getTimingsMsMap().get("preprocess")).isEqualTo(41L);
        assertThat(ready.getTimingsMsMap().get("upload_to_mask")).isGreaterThanOrEqualTo(2000L);

        JsonNode report = new ObjectMapper().readTree(store.get(ObjectKeys.report(id, "liver")).orElseThrow());
        assertThat(report.get("scan_id").asText()).isEqualTo(id);
        assertThat(report.get("model_version").asText()).isEqualTo(boot);
        assertThat(report.get("augmentation").asText()).as("liverseg.inference.tta by default").isEqualTo("none");
        assertThat(report.get("mask_key").asText()).isEqualTo(ready.getMaskKey());
        assertThat(report.get("class_names").toString()).isEqualTo("[\"background\",\"liver\",\"tumour\"]");
        assertThat(report.get("volumes").get(1).get("voxels").asLong()).isEqualTo(ready.getVolumes(1).getVoxels());
        assertThat(report.get("dice").has("liver")).isTrue();
        assertThat(report.get("dice").has("tumour")).isTrue();
        assertThat(report.get("timings_ms").get("inference").asLong()).isEqualTo(ready.getTimingsMsOrThrow("inference"));

        List<ConsumerRecord<String, byte[]>> metrics = await().atMost(WAIT)
                .until(() -> kafka.records(METRICS, id), l -> !l.isEmpty());
        SegmentationMetrics m = SegmentationMetrics.parseFrom(metrics.get(0).value());
        assertThat(m.getDiceMap()).containsOnlyKeys("liver", "tumour");
        assertThat(m.getDiceMap().get("liver")).isEqualTo(report.get("dice").get("liver").asDouble());
        assertThat(m.getPredictedList()).isEqualTo(ready.getVolumesList());
        assertThat(m.getReferenceList()).hasSize(3);
        assertThat(TopicProbe.header(metrics.get(0), "ce_id")).isEqualTo(id + ":liver:" + boot + ":metrics");
        assertThat(models.loaded("liver")).containsExactly(boot);
        helperThreadsRunAtTheConfiguredNiceness();

        // once the mask is stored its intermediates go (liverseg.inference.keep-work=false): the parts, and the
        // batches, as no other task's plan reads them; the marker stays for redeliveries
        await().atMost(WAIT).untilAsserted(() -> assertThat(store.list(ObjectKeys.WORK + id + "/"))
                .containsExactly(ObjectKeys.maskReadyMarker(id, "liver", boot)));

        // the last batch again, as after a crash before its offset was committed: no second MaskReady, and the
        // deleted batch is not looked for
        RecordMetadata again = publish(p.events().get(p.events().size() - 1));
        assertThat(again.partition()).isEqualTo(last.partition());
        awaitCommitted(new TopicPartition(again.topic(), again.partition()), again.offset() + 1);
        assertThat(kafka.records(MASKS, id)).hasSize(1);
        assertThat(kafka.records(METRICS, id)).hasSize(1);
        assertThat(store.exists(ObjectKeys.failure(id))).isFalse();
        assertThat(store.exists(ObjectKeys.maskReadyMarker(id, "liver", boot))).isTrue();
        assertThat(leftoverTempFiles(started)).isEmpty();
    }

    /**
     * The finisher, the Kafka consumer's polling thread and the JIT compilers run at
     * liverseg.inference.helper-niceness (default 10), while the threads that run forward passes (Quarkus workers,
     * lanes) and the event loops that create the workers keep the process's priority.
     */
    private static void helperThreadsRunAtTheConfiguredNiceness() throws Exception {
        if (!ThreadNiceness.supported()) {
            return; // per-thread nice values exist on Linux only
        }
        int mine = ThreadNiceness.niceness(ThreadNiceness.currentThreadId()).orElseThrow();
        Map<String, List<Integer>> byName = new java.util.TreeMap<>();
        try (java.util.stream.Stream<Path> tasks = Files.list(Paths.get("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                String name;
                try {
                    name = Files.readString(t.resolve("comm")).strip();
                } catch (java.nio.file.NoSuchFileException ended) {
                    continue; // the thread ended between the listing and this read
                }
                ThreadNiceness.niceness(Integer.parseInt(t.getFileName().toString()))
                        .ifPresent(n -> byName.computeIfAbsent(name, k -> new ArrayList<>()).add(n));
            }
        }
        assertThat(byName.get("mask-finisher")).as("threads by name: %s", byName).containsOnly(Math.max(mine, 10));
        assertThat(byName.entrySet().stream().filter(e -> e.getKey().startsWith("smallrye-kafka-"))
                .flatMap(e -> e.getValue().stream()).toList()).as("threads by name: %s", byName)
                .isNotEmpty().containsOnly(Math.max(mine, 10));
        // the JIT compilers (HotSpot names them "C2 CompilerThread0" …, the kernel keeps 15 characters)
        assertThat(byName.entrySet().stream().filter(e -> e.getKey().startsWith("C2 CompilerThre"))
                .flatMap(e -> e.getValue().stream()).toList()).as("threads by name: %s", byName)
                .isNotEmpty().containsOnly(Math.max(mine, 10));
        assertThat(byName.entrySet().stream().filter(e -> e.getKey().startsWith("executor-thread"))
                .flatMap(e -> e.getValue().stream()).toList()).as("threads by name: %s", byName)
                .isNotEmpty().containsOnly(mine);
        // a lane exists only while passes need one (an idle one ends after a minute): checked when there is one
        assertThat(byName.getOrDefault(SlicePredictor.LANE_THREAD, List.of())).as("threads by name: %s", byName)
                .allSatisfy(n -> assertThat(n).isEqualTo(mine));
        // the event loops create the workers as the pool grows, and a new thread takes its creator's nice value
        assertThat(byName.entrySet().stream().filter(e -> e.getKey().startsWith("vert.x-eventloo"))
                .flatMap(e -> e.getValue().stream()).toList()).as("threads by name: %s", byName)
                .isNotEmpty().containsOnly(mine);
    }

    /** Temporary files of the service (header prefix, label, mask) made since {@code since} and still there. */
    private static List<Path> leftoverTempFiles(Instant since) throws Exception {
        try (java.util.stream.Stream<Path> s = Files.list(Paths.get(System.getProperty("java.io.tmpdir")))) {
            return s.filter(f -> f.getFileName().toString().matches("liverseg-(header|label|mask)-.*"))
                    .filter(f -> {
                        try {
                            return Files.getLastModifiedTime(f).toInstant().isAfter(since.minusSeconds(1));
                        } catch (Exception e) {
                            return false;
                        }
                    })
                    .toList();
        }
    }

    @Test
    void rasScanWithoutLabelItsBatchesOutOfOrderAndACorruptBatch() throws Exception {
        MetricsScrape before = metrics();
        Prepared p = prepare(22, "RAS", StorageType.FLOAT32, false);
        assertThat(p.events()).hasSize(2);
        // the last batch first: its listing misses part 0, so the part stored after it must list again
        publish(p.events().get(1));
        publish(p.events().get(0));
        String id = p.scanId();
        MaskReady ready = awaitMask(id);
        checkMask(p, ready);
        JsonNode report = new ObjectMapper().readTree(store.get(ObjectKeys.report(id, "liver")).orElseThrow());
        assertThat(report.has("dice")).isFalse();
        assertThat(kafka.records(METRICS, id)).isEmpty();

        // a batch object that is not an .lsb: failed.json, ScanFailed and the dead-letter topic
        String bad = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("bad".getBytes(StandardCharsets.US_ASCII)));
        String key = ObjectKeys.batch(bad, "liver", boot, 0);
        store.put(key, "not a slice batch".getBytes(StandardCharsets.US_ASCII), "application/octet-stream");
        SliceBatchReady corrupt = p.events().get(0).toBuilder().setScanId(bad).setTensorKey(key).setBatchCount(1)
                .setImageKey(ObjectKeys.image(bad, true)).build();
        publish(corrupt);
        List<ConsumerRecord<String, byte[]>> dead = await().atMost(WAIT)
                .until(() -> kafka.records(Topics.DEAD_LETTER, bad), l -> !l.isEmpty());
        assertThat(TopicProbe.header(dead.get(0), "dead-letter-reason")).contains("magic");
        List<ConsumerRecord<String, byte[]>> failed = await().atMost(WAIT)
                .until(() -> kafka.records(EventType.SCAN_FAILED.topic(), bad), l -> !l.isEmpty());
        ScanFailed f = ScanFailed.parseFrom(failed.get(0).value());
        assertThat(f.getStage()).isEqualTo("inference");
        assertThat(f.getTask()).isEqualTo("liver");
        assertThat(f.getObjectKey()).isEqualTo(key);
        assertThat(f.getField()).isEqualTo("magic");
        JsonNode json = new ObjectMapper().readTree(store.get(ObjectKeys.failure(bad)).orElseThrow());
        assertThat(json.get("stage").asText()).isEqualTo("inference");
        assertThat(store.exists(ObjectKeys.mask(bad, "liver"))).isFalse();

        // the good scan's two batches and its mask, the bad batch's failure
        await().atMost(WAIT).untilAsserted(() -> {
            MetricsScrape after = metrics();
            assertThat(after.value("liverseg_inference_batch_duration_seconds_count", "task", "liver")
                    - before.value("liverseg_inference_batch_duration_seconds_count", "task", "liver")).isEqualTo(2.0);
            assertThat(after.value("liverseg_masks_ready_total", "task", "liver")
                    - before.value("liverseg_masks_ready_total", "task", "liver")).isEqualTo(1.0);
            assertThat(after.value("liverseg_upload_to_mask_seconds_count", "task", "liver")
                    - before.value("liverseg_upload_to_mask_seconds_count", "task", "liver")).isEqualTo(1.0);
            assertThat(after.value("liverseg_scan_failures_total", "stage", "inference")
                    - before.value("liverseg_scan_failures_total", "stage", "inference")).isEqualTo(1.0);
        });
    }

    /** The service's /q/metrics as Prometheus scrapes it. */
    private static MetricsScrape metrics() {
        return MetricsScrape.parse(io.restassured.RestAssured.given().get("/q/metrics").then().statusCode(200)
                .extract().asString());
    }

    /** Waits until the service's consumer group has committed {@code offset} on a partition. */
    private void awaitCommitted(TopicPartition tp, long offset) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            await().atMost(WAIT).until(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("liverseg-inference")
                        .partitionsToOffsetAndMetadata().get();
                OffsetAndMetadata o = committed.get(tp);
                return o != null && o.offset() >= offset;
            });
        }
    }
}
