package io.liverseg.preprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.nifti.NiftiWriter;
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
import io.liverseg.model.pkg.ModelPackage;
import io.liverseg.proto.EventType;
import io.liverseg.proto.Topics;
import io.liverseg.proto.events.v1.ScanFailed;
import io.liverseg.proto.events.v1.ScanReceived;
import io.liverseg.proto.events.v1.SliceBatchReady;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ModelRegistry;
import io.liverseg.storage.ObjectStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service on the real broker and S3Proxy, registry seeded from the repository's models/ folder. */
@QuarkusTest
@QuarkusTestResource(value = LocalStackResource.class, initArgs = {
        @ResourceArg(name = LocalStackResource.BUCKETS, value = "liverseg"),
        @ResourceArg(name = LocalStackResource.TOPICS,
                value = "liverseg.scans.received:2,liverseg.slices.ready:2,liverseg.scans.failed,liverseg.dead-letter")})
class PreprocessIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String SLICES = EventType.SLICE_BATCH_READY.topic();

    @Inject
    ObjectStore store;

    @Inject
    PreprocessConfig config;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    /** The repository's models/ folder, which seeds the registry. */
    @ConfigProperty(name = "liverseg.registry.seed-dir")
    Path seedDir;

    /** Version of models/liver, the seeded champion. */
    private String boot;

    @TempDir
    Path dir;

    private TopicProbe kafka;

    @BeforeEach
    void connect() throws Exception {
        boot = ModelRegistry.packageVersion(seedDir.resolve("liver"));
        kafka = new TopicProbe(bootstrap, SLICES, EventType.SCAN_FAILED.topic(), Topics.DEAD_LETTER);
    }

    @AfterEach
    void disconnect() {
        kafka.close();
    }

    /** A 64×64×40 phantom stored LPS, uploaded as ingest would; returns its ScanReceived. */
    private ScanReceived upload(long seed, String orientation) throws Exception {
        PhantomOptions o = PhantomOptions.defaults().withSize(64).withSlices(40, 40).withSeed(seed)
                .withOrientations(orientation).withTumours(0, 1);
        Path f = dir.resolve("phantom-" + seed + ".nii.gz");
        NiftiWriter.write(new PhantomGenerator(o).generate(0).image(), f);
        return uploadBytes(Files.readAllBytes(f), "phantom-" + seed + ".nii.gz", true);
    }

    /** A phantom stored as int16 HU + 1024 whose scl_inter (-1024) a converter dropped: not HU any more. */
    private ScanReceived uploadWithoutIntercept(long seed) throws Exception {
        PhantomOptions o = PhantomOptions.defaults().withSize(64).withSlices(40, 40).withSeed(seed)
                .withStorageTypes(StorageType.INT16_OFFSET);
        Volume stored = new PhantomGenerator(o).generate(0).image();
        Path f = dir.resolve("no-intercept-" + seed + ".nii.gz");
        NiftiWriter.write(stored.withVoxels(stored.voxels(), 1, 0), f);
        return uploadBytes(Files.readAllBytes(f), "no-intercept-" + seed + ".nii.gz", true);
    }

    private ScanReceived uploadBytes(byte[] bytes, String name, boolean put) throws Exception {
        String id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        String key = ObjectKeys.image(id, true);
        if (put) {
            store.put(key, bytes, "application/octet-stream");
        }
        Instant now = Instant.now();
        return ScanReceived.newBuilder().setScanId(id).setBucket(store.bucket()).setImageKey(key).setFileName(name)
                .setSizeBytes(bytes.length).setSource("upload").setReceivedAt(KafkaEvents.timestamp(now)).build();
    }

    private void publish(ScanReceived scan) throws Exception {
        kafka.publish(EventType.SCAN_RECEIVED.topic(), scan.getScanId(), EventType.SCAN_RECEIVED.ceType(),
                scan.getScanId() + ":received", scan.toByteArray());
    }

    private List<SliceBatchReady> awaitBatches(ScanReceived scan, int count) {
        List<ConsumerRecord<String, byte[]>> recs = await().atMost(WAIT).until(
                () -> kafka.records(SLICES, scan.getScanId()), l -> l.size() >= count);
        return recs.stream().map(r -> {
            try {
                return SliceBatchReady.parseFrom(r.value());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).toList();
    }

    /** Every package of the repository's models/ folder by task (liver; vessels once models/vessel exists). */
    private Map<String, Path> seededPackages() throws Exception {
        return ModelRegistry.seedPackages(seedDir);
    }

    @Test
    void slicesAScanIntoBatchObjectsAndEventsExactlyAsThePackageSays() throws Exception {
        Instant started = Instant.now();
        // a liver-convention label: only the liver task's batches may carry it
        ScanReceived scan = upload(11, "LPS").toBuilder().setLabelKey("scans/label-of-11.nii.gz").build();
        String id = scan.getScanId();
        Map<String, Path> packages = seededPackages();
        assertThat(packages).containsKey("liver");
        // the service's tasks in its order (liver, vessels), each with a champion
        List<String> tasks = config.tasks().stream().filter(packages::containsKey).toList();
        Map<String, String> versions = new LinkedHashMap<>();
        for (String t : tasks) {
            versions.put(t, ModelRegistry.packageVersion(packages.get(t)));
        }
        Map<String, PreprocessingSpec> specs = new LinkedHashMap<>();
        for (String t : tasks) {
            specs.put(t, ModelPackage.readManifest(packages.get(t)).preprocessing().toSpec());
        }
        assertThat(specs.values()).as("the bootstrap packages preprocess alike (what the one-pass expectations below"
                + " rely on)").containsOnly(specs.get(tasks.get(0)));
        List<String> ceIds = new ArrayList<>();
        for (String t : tasks) {
            ceIds.add(id + ":" + t + ":" + versions.get(t) + ":batch:0");
            ceIds.add(id + ":" + t + ":" + versions.get(t) + ":batch:1");
        }
        publish(scan);
        List<SliceBatchReady> events = awaitBatches(scan, 2 * tasks.size());

        assertThat(events).hasSize(2 * tasks.size());
        assertThat(events).extracting(SliceBatchReady::getTask).containsExactlyElementsOf(
                tasks.stream().flatMap(t -> Stream.of(t, t)).toList());
        assertThat(events).extracting(SliceBatchReady::getBatchIndex).containsExactlyElementsOf(
                tasks.stream().flatMap(t -> Stream.of(0, 1)).toList());
        assertThat(events).extracting(SliceBatchReady::getFirstSlice).containsOnly(0, 32);
        for (SliceBatchReady e : events) {
            assertThat(e.getSliceCount()).isEqualTo(e.getBatchIndex() == 0 ? 32 : 8);
            assertThat(e.getModelVersion()).isEqualTo(versions.get(e.getTask()));
            assertThat(e.getBatchCount()).isEqualTo(2);
            assertThat(e.getTotalSlices()).isEqualTo(40);
            assertThat(e.getImageKey()).isEqualTo(scan.getImageKey());
            assertThat(e.getLabelKey()).as("label of task %s", e.getTask())
                    .isEqualTo(e.getTask().equals("liver") ? scan.getLabelKey() : "");
            assertThat(e.getReceivedAt()).isEqualTo(scan.getReceivedAt());
            // the tasks preprocess alike, so one pass: its objects are under the first task's key for every task
            assertThat(e.getTensorKey()).isEqualTo(ObjectKeys.batch(id, tasks.get(0), versions.get(tasks.get(0)),
                    e.getBatchIndex()));
            assertThat(e.getGeometry().getDimsList()).containsExactly(64, 64, 40);
            assertThat(e.getGeometry().getOrientation()).isEqualTo("LPS");
            assertThat(e.getPreprocessMs()).isGreaterThanOrEqualTo(0);
        }
        assertThat(boot).isEqualTo(versions.get("liver"));
        List<ConsumerRecord<String, byte[]>> recs = kafka.records(SLICES, id);
        assertThat(recs).extracting(r -> TopicProbe.header(r, "ce_id")).containsExactlyElementsOf(ceIds);
        assertThat(recs).extracting(r -> TopicProbe.header(r, "ce_type"))
                .containsOnly(EventType.SLICE_BATCH_READY.ceType());
        assertThat(recs).extracting(r -> TopicProbe.header(r, "ce_source")).containsOnly("/liverseg/preprocess");

        // the batch objects are exactly each package's preprocessing of the scan
        Path local = dir.resolve("scan.nii.gz");
        store.download(scan.getImageKey(), local);
        Volume ct = NiftiReader.defaults().readScan(local);
        Map<String, byte[]> first = new LinkedHashMap<>();
        for (String t : tasks) {
            PreprocessingSpec spec = specs.get(t);
            JsonNode plan = new ObjectMapper().readTree(store.get(ObjectKeys.batchPlan(id, t, versions.get(t)))
                    .orElseThrow());
            assertThat(plan.get("batch_count").asInt()).isEqualTo(2);
            assertThat(plan.get("total_slices").asInt()).isEqualTo(40);
            assertThat(plan.get("batch_size").asInt()).isEqualTo(32);
            assertThat(plan.get("target_size").asInt()).isEqualTo(spec.targetSize());
            assertThat(plan.get("channels").asInt()).isEqualTo(spec.channels());
            assertThat(plan.get("model_version").asText()).isEqualTo(versions.get(t));
            SlicePreprocessor pre = new SlicePreprocessor(ct, spec);
            for (SliceBatchReady e : events.stream().filter(e -> e.getTask().equals(t)).toList()) {
                // the plan names the folder its batches are in (the first task's, shared): what cleanup deletes
                assertThat(e.getTensorKey()).startsWith(plan.get("batches_prefix").asText());
                assertThat(plan.get("batches_prefix").asText())
                        .isEqualTo(ObjectKeys.workPrefix(id, tasks.get(0), versions.get(tasks.get(0))));
                byte[] bytes = store.get(e.getTensorKey()).orElseThrow();
                first.put(e.getTensorKey(), bytes);
                SliceBatch got = SliceBatchCodec.decodeBatch(bytes);
                SliceBatch want = pre.batch(e.getFirstSlice(), e.getSliceCount());
                assertThat(got.firstSlice()).isEqualTo(want.firstSlice());
                assertThat(got.count()).isEqualTo(want.count());
                assertThat(got.channels()).isEqualTo(spec.channels());
                assertThat(got.height()).isEqualTo(spec.targetSize());
                assertThat(got.data()).isEqualTo(want.data());
            }
        }

        // redelivery: the same objects, byte for byte, and events with the same ids
        publish(scan);
        awaitBatches(scan, 4 * tasks.size());
        List<String> twice = new ArrayList<>(ceIds);
        twice.addAll(ceIds);
        assertThat(kafka.records(SLICES, id)).extracting(r -> TopicProbe.header(r, "ce_id"))
                .containsExactlyElementsOf(twice);
        first.forEach((key, bytes) -> assertThat(store.get(key).orElseThrow()).as(key).isEqualTo(bytes));
        for (String t : tasks) {
            // batches.json of every task, the two batch objects once
            assertThat(store.list(ObjectKeys.workPrefix(id, t, versions.get(t)))).as(t)
                    .hasSize(t.equals(tasks.get(0)) ? 3 : 1);
        }
        assertThat(store.exists(ObjectKeys.failure(id))).isFalse();
        assertThat(leftoverTempFiles(started)).isEmpty();
    }

    @Test
    void aCorruptOrMissingScanIsDeadLetteredAndTheNextScanStillGoesThrough() throws Exception {
        Instant started = Instant.now();
        MetricsScrape before = metrics();
        byte[] garbage = "this is not a NIfTI file, just some bytes an exporter put in the bucket".repeat(20)
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ScanReceived corrupt = uploadBytes(garbage, "corrupt.nii.gz", true);
        ScanReceived missing = uploadBytes("never uploaded".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                "missing.nii.gz", false);
        ScanReceived unscaled = uploadWithoutIntercept(13);
        ScanReceived good = upload(12, "RAS");
        publish(corrupt);
        publish(missing);
        publish(unscaled);
        publish(good);

        for (ScanReceived bad : List.of(corrupt, missing, unscaled)) {
            String id = bad.getScanId();
            List<ConsumerRecord<String, byte[]>> dead = await().atMost(WAIT)
                    .until(() -> kafka.records(Topics.DEAD_LETTER, id), l -> !l.isEmpty());
            assertThat(TopicProbe.header(dead.get(0), "dead-letter-reason")).contains("preprocess of");
            assertThat(ScanReceived.parseFrom(dead.get(0).value())).isEqualTo(bad);

            List<ConsumerRecord<String, byte[]>> failed = await().atMost(WAIT)
                    .until(() -> kafka.records(EventType.SCAN_FAILED.topic(), id), l -> !l.isEmpty());
            ScanFailed f = ScanFailed.parseFrom(failed.get(0).value());
            assertThat(f.getStage()).isEqualTo("preprocess");
            assertThat(f.getObjectKey()).isEqualTo(bad.getImageKey());
            assertThat(f.getReason()).doesNotContain(System.getProperty("java.io.tmpdir") + "/liverseg-scan-");
            assertThat(TopicProbe.header(failed.get(0), "ce_type")).isEqualTo(EventType.SCAN_FAILED.ceType());

            JsonNode json = new ObjectMapper().readTree(store.get(ObjectKeys.failure(id)).orElseThrow());
            assertThat(json.get("stage").asText()).isEqualTo("preprocess");
            assertThat(json.get("scan_id").asText()).isEqualTo(id);
            assertThat(json.get("object_key").asText()).isEqualTo(bad.getImageKey());
            assertThat(store.list(ObjectKeys.WORK + id + "/")).isEmpty();
        }
        ScanFailed corruptFailure = ScanFailed.parseFrom(kafka.records(EventType.SCAN_FAILED.topic(),
                corrupt.getScanId()).get(0).value());
        assertThat(corruptFailure.getField()).isEqualTo("sizeof_hdr");
        assertThat(corruptFailure.getErrorType()).isEqualTo("NiftiException");
        assertThat(corruptFailure.getReason()).contains("corrupt.nii.gz").contains(corrupt.getImageKey());
        ScanFailed missingFailure = ScanFailed.parseFrom(kafka.records(EventType.SCAN_FAILED.topic(),
                missing.getScanId()).get(0).value());
        assertThat(missingFailure.getReason()).contains("does not exist");
        // not CT in HU: refused before its first batch, so no batch object or event of it exists
        ScanFailed unscaledFailure = ScanFailed.parseFrom(kafka.records(EventType.SCAN_FAILED.topic(),
                unscaled.getScanId()).get(0).value());
        assertThat(unscaledFailure.getField()).isEqualTo("scl_inter");
        assertThat(unscaledFailure.getReason()).contains(unscaled.getImageKey()).contains("rescale intercept");
        assertThat(kafka.records(SLICES, unscaled.getScanId())).isEmpty();

        List<SliceBatchReady> events = awaitBatches(good, 2).stream().filter(e -> e.getTask().equals("liver")).toList();
        assertThat(events).extracting(SliceBatchReady::getBatchIndex).containsExactly(0, 1);
        assertThat(events.get(0).getGeometry().getOrientation()).isEqualTo("RAS");
        assertThat(store.exists(ObjectKeys.failure(good.getScanId()))).isFalse();
        assertThat(leftoverTempFiles(started)).isEmpty();

        // three failures counted, and the good scan's time (recorded after its last batch was sent)
        await().atMost(WAIT).untilAsserted(() -> {
            MetricsScrape after = metrics();
            assertThat(after.value(FAILURES, "stage", "preprocess") - before.value(FAILURES, "stage", "preprocess"))
                    .isEqualTo(3.0);
            assertThat(after.value(DURATION_COUNT) - before.value(DURATION_COUNT)).isGreaterThanOrEqualTo(1.0);
        });
    }

    private static final String FAILURES = "liverseg_scan_failures_total";
    private static final String DURATION_COUNT = "liverseg_preprocess_duration_seconds_count";

    /** The service's /q/metrics as Prometheus scrapes it. */
    private static MetricsScrape metrics() {
        return MetricsScrape.parse(io.restassured.RestAssured.given().get("/q/metrics").then().statusCode(200)
                .extract().asString());
    }

    private static List<Path> leftoverTempFiles(Instant since) throws Exception {
        try (Stream<Path> s = Files.list(Paths.get(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("liverseg-scan-"))
                    .filter(p -> {
                        try {
                            return Files.getLastModifiedTime(p).toInstant().isAfter(since.minusSeconds(1));
                        } catch (Exception e) {
                            return false;
                        }
                    })
                    .sorted(Comparator.naturalOrder()).toList();
        }
    }
}
