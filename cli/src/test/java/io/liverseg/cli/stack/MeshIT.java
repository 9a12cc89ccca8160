package io.liverseg.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.measure.DiceCounts;
import io.liverseg.imaging.msd.PhantomDatasetWriter;
import io.liverseg.imaging.nifti.NiftiHeader;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.phantom.PhantomOptions;
import io.liverseg.imaging.phantom.StorageType;
import io.liverseg.localstack.Infrastructure;
import io.liverseg.localstack.QuarkusService;
import io.liverseg.model.DeviceSetting;
import io.liverseg.model.DjlEnvironment;
import io.liverseg.model.predict.Segmenter;
import io.liverseg.proto.EventType;
import io.liverseg.proto.Topics;
import io.liverseg.proto.events.v1.MaskReady;
import io.liverseg.storage.ModelRegistry;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The end-to-end test of issue #4 §5: the real broker, the real S3 server, the built services as separate
 * JVMs (two inference instances), phantoms uploaded through ingest-service's REST API.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshIT {
    private static Mesh mesh;
    private static IngestClient client;
    private static ObjectStore store;
    private static KafkaConsumer<String, byte[]> consumer;
    private static final List<ConsumerRecord<String, byte[]>> records = new CopyOnWriteArrayList<>();

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startMesh() throws Exception {
        Path home = Path.of(System.getProperty("liverseg.home", "..")).toAbsolutePath().normalize();
        Mesh.Options options = Mesh.Options.of(home).withInferenceInstances(2);
        if ("testcontainers".equals(System.getProperty("liverseg.e2e.infrastructure"))) {
            // -Ptestcontainers (needs a Docker engine): Kafka and MinIO in containers, compiled only in that profile.
            Infrastructure containers = (Infrastructure) Class.forName("io.liverseg.cli.stack.ContainerInfrastructure")
                    .getMethod("start").invoke(null);
            mesh = Mesh.start(options, containers, line -> { });
        } else {
            mesh = Mesh.start(options, line -> { });
        }
        client = new IngestClient(mesh.ingestUrl());
        store = new ObjectStore(mesh.infra().s3Client(), Mesh.BUCKET);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, mesh.infra().kafkaBootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumer = new KafkaConsumer<>(p);
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(EventType.MASK_READY.topic(), Topics.DEAD_LETTER, EventType.SCAN_FAILED.topic())) {
            for (int i = 0; i < Mesh.PARTITIONS; i++) {
                partitions.add(new TopicPartition(topic, i));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    @AfterAll
    static void stopMesh() {
        if (consumer != null) {
            consumer.close();
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    /**
     * Last, as it ends a service: a part that dies is reported with its exit code and log (what `liverseg stack`
     * prints before it stops, and what ends a benchmark's wait), instead of leaving scans waiting.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void aServiceThatDiesIsReportedWithItsExitCodeAndLog() {
        assertThat(mesh.failure()).isEmpty();
        QuarkusService training = mesh.service("training");
        training.process().destroyForcibly();

        await().atMost(Duration.ofSeconds(30)).until(() -> mesh.failure().isPresent());
        assertThat(mesh.failure().orElseThrow())
                .startsWith("training exited with code 137 (killed by SIGKILL")
                .endsWith("its log: " + training.log());
    }

    private static List<ConsumerRecord<String, byte[]>> poll(String topic) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            records.add(r);
        }
        return records.stream().filter(r -> r.topic().equals(topic)).toList();
    }

    private static Path phantom(String name, PhantomOptions options) throws IOException {
        Path dir = tmp.resolve(name);
        PhantomDatasetWriter.write(dir, options.withSlices(40, 56), 1);
        return dir;
    }

    /** The malloc tuning reaches the inference services (each a child JVM) and only them. */
    @Test
    void onlyTheInferenceServicesRunWithTheMallocTuning() throws IOException {
        // set for this JVM by failsafe (cli/pom.xml): without it the others would lack it whatever Mesh did
        assertThat(DjlEnvironment.glibcTunables()).as("this test JVM's " + DjlEnvironment.GLIBC_TUNABLES_ENV)
                .isEqualTo(DjlEnvironment.MALLOC_TUNABLES);
        for (QuarkusService s : mesh.services()) {
            if (s.name().startsWith("inference")) {
                // what the service's JVM itself sees (glibc may rewrite the variable's bytes in /proc/PID/environ)
                assertThat(Files.readString(mesh.logDir().resolve(s.name() + ".log"))).as(s.name())
                        .contains("native malloc: " + DjlEnvironment.GLIBC_TUNABLES_ENV + "="
                                + Mesh.inferenceMallocTunables());
            } else {
                Path environ = Path.of("/proc", Long.toString(s.process().pid()), "environ");
                assumeTrue(Files.isReadable(environ), "no /proc here: the child's environment cannot be read");
                assertThat(new String(Files.readAllBytes(environ), StandardCharsets.UTF_8).split("\0")).as(s.name())
                        .noneMatch(v -> v.startsWith(DjlEnvironment.GLIBC_TUNABLES_ENV + "="));
            }
        }
    }

    @Test
    void theServicesBesideInferenceRunAtALowerPriority() throws IOException {
        assumeTrue(QuarkusService.canLowerPriority(), "no nice command here: every service runs at one priority");
        int inference = Integer.MIN_VALUE;
        Map<String, Integer> others = new HashMap<>();
        for (QuarkusService s : mesh.services()) {
            Path stat = Path.of("/proc", Long.toString(s.process().pid()), "stat");
            assumeTrue(Files.isReadable(stat), "no /proc here: the children's priority cannot be read");
            int nice = niceness(Files.readString(stat));
            if (s.name().startsWith("inference")) {
                inference = nice;
            } else {
                others.put(s.name(), nice);
            }
        }
        assertThat(others).containsOnlyKeys("ingest", "preprocess", "training");
        int expected = Math.min(19, inference + Mesh.HELPER_NICENESS);
        assertThat(others).as("niceness with inference at " + inference).allSatisfy((name, nice) ->
                assertThat(nice).as(name).isEqualTo(expected));
    }

    /** Field 19 of /proc/PID/stat; the command name (field 2, in parentheses) may hold spaces. */
    private static int niceness(String stat) {
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Integer.parseInt(after[16]);
    }

    @Test
    void threeScansBecomeMasksOnTheirExactGridsWhileBadInputIsRefusedOrDeadLettered() throws Exception {
        Map<String, Path> scans = new HashMap<>();
        List<Path> cases = List.of(
                phantom("lps", PhantomOptions.defaults().withSeed(501).withOrientations("LPS")),
                phantom("offset", PhantomOptions.defaults().withSeed(502).withStorageTypes(StorageType.INT16_OFFSET)),
                phantom("ras", PhantomOptions.defaults().withSeed(503).withOrientations("RAS")));
        for (Path c : cases) {
            Path image = c.resolve("imagesTr/liver_000.nii.gz");
            IngestClient.Answer a = client.upload(image, c.resolve("labelsTr/liver_000.nii.gz"));
            assertThat(a.status()).as(a.text()).isEqualTo(202);
            scans.put(a.json().path("id").asText(), c);
        }
        assertThat(NiftiReader.defaults().readHeader(cases.get(0).resolve("imagesTr/liver_000.nii.gz")).affine()
                .orientationCode()).isEqualTo("LPS");

        // A corrupt upload: refused with 4xx, nothing stored.
        List<String> before = store.list(ObjectKeys.SCANS);
        IngestClient.Answer bad = client.uploadRaw(gzip("this is not a NIfTI file".repeat(40)));
        assertThat(bad.status()).as(bad.text()).isBetween(400, 499);
        assertThat(store.list(ObjectKeys.SCANS)).containsExactlyInAnyOrderElementsOf(before);

        // A corrupt object put straight into the bucket, announced the way MinIO does: dead-lettered with a reason.
        String badKey = ObjectKeys.INCOMING + "corrupt-export.nii.gz";
        byte[] corrupt = gzip("garbage".repeat(100));
        store.put(badKey, corrupt, "application/gzip");
        publishNotification(badKey, corrupt.length);

        // Every task with a bootstrap model in models/ (liver; vessels once models/vessel exists) masks every scan.
        List<String> tasks = seededTasks();
        assertThat(tasks).contains("liver");
        List<String> expected = new ArrayList<>();
        for (String id : scans.keySet()) {
            for (String t : tasks) {
                expected.add(id + " " + t);
            }
        }
        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(poll(EventType.MASK_READY.topic()).stream().map(MeshIT::parse)
                        .map(m -> m.getScanId() + " " + m.getTask()).distinct())
                        .containsExactlyInAnyOrderElementsOf(expected));
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(poll(Topics.DEAD_LETTER))
                .anySatisfy(r -> assertThat(headers(r)).anySatisfy(h -> assertThat(h).containsIgnoringCase("nifti"))));
        // Exactly one MaskReady per scan and task: none duplicated while the pipeline settles.
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(poll(EventType.MASK_READY.topic()).stream().map(MeshIT::parse)
                        .map(m -> m.getScanId() + " " + m.getTask()))
                        .hasSize(expected.size()).doesNotHaveDuplicates());

        Map<String, Double> liverDice = new java.util.TreeMap<>();
        try (Segmenter reference = Segmenter.open(mesh.projectDir().resolve("models/liver"), DeviceSetting.CPU)) {
            for (Map.Entry<String, Path> e : scans.entrySet()) {
                String id = e.getKey();
                Path image = e.getValue().resolve("imagesTr/liver_000.nii.gz");
                NiftiHeader in = NiftiReader.defaults().readHeader(image);
                Path maskFile = null;
                for (String t : tasks) {
                    IngestClient.Answer mask = client.mask(id, t);
                    assertThat(mask.status()).as(t + " mask").isEqualTo(200);
                    Path f = Files.write(tmp.resolve(id + "-" + t + "-mask.nii.gz"), mask.body());
                    NiftiHeader out = NiftiReader.defaults().readHeader(f);
                    String what = t + " mask of " + e.getValue();
                    assertThat(out.dim()).as("dims of " + what).isEqualTo(in.dim());
                    assertThat(out.affine()).as("affine of " + what).isEqualTo(in.affine());
                    assertThat(out.qformCode()).as(what).isEqualTo(in.qformCode());
                    assertThat(out.sformCode()).as(what).isEqualTo(in.sformCode());
                    assertThat(out.pixdim()).as(what).isEqualTo(in.pixdim());
                    if (t.equals("liver")) {
                        maskFile = f;
                    }
                }
                assertThat(client.status(id).json().path("status").asText()).isEqualTo("mask_ready");
                // Once every task has its mask, no slice batch or mask part of the scan is left in the bucket (the
                // tasks share one pass's batches; the last to finish deletes them), only the plans and markers.
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                        assertThat(store.list(ObjectKeys.WORK + id + "/")).as("work of " + e.getValue())
                                .isNotEmpty()
                                .allSatisfy(k -> assertThat(k).matches(".*/(batches|mask-ready)\\.json")));

                // The pipeline's mask is exactly what the model itself gives for this file (no loss on the way) ...
                Volume streamed = NiftiReader.defaults().readVolume(maskFile);
                Volume direct = reference.segment(image, NiftiReader.defaults(), Segmenter.Options.defaults()).mask();
                assertThat(streamed.voxels().byteArray()).as("mask of " + e.getValue() + " vs Segmenter")
                        .isEqualTo(direct.voxels().byteArray());
                // ... and the reported Dice is the Dice of that mask against the uploaded label.
                Volume label = NiftiReader.defaults().readVolume(e.getValue().resolve("labelsTr/liver_000.nii.gz"));
                double dice = DiceCounts.of(streamed.voxels().byteArray(), toBytes(label), 3).dice(1);
                JsonNode report = client.report(id).json();
                JsonNode liver = report.path("tasks").path("liver");
                assertThat(liver.path("dice").path("liver").asDouble()).as(report.toString())
                        .isCloseTo(dice, org.assertj.core.data.Offset.offset(1e-9));
                assertThat(liver.path("model_version").asText()).isEqualTo(parseVersion(mesh));
                liverDice.put(e.getValue().getFileName().toString(), dice);
                // The label follows the liver convention (uploaded without label_task): no other task is scored on it.
                for (String t : tasks) {
                    if (!t.equals("liver")) {
                        assertThat(report.path("tasks").path(t).path("dice").size()).as(t + " Dice in " + report)
                                .isZero();
                    }
                }
            }
        }

        // An operator's view of the same: `liverseg scans` lists the three as mask_ready, the refused export as
        // failed (known by the SHA-256 of its bytes), a page at a time through the cursors.
        JsonNode listed = scansCommand("--json", "--all", "--limit", "2");
        Map<String, String> statusById = new HashMap<>();
        listed.path("scans").forEach(n -> statusById.put(n.path("id").asText(), n.path("status").asText()));
        assertThat(listed.path("next").isNull()).as(listed.toString()).isTrue();
        assertThat(listed.path("scans").size()).isEqualTo(statusById.size());
        scans.keySet().forEach(id -> assertThat(statusById).containsEntry(id, "mask_ready"));
        String refusedId = java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(corrupt));
        assertThat(statusById).containsEntry(refusedId, "failed");
        JsonNode failed = scansCommand("--json", "--status", "failed");
        assertThat(failed.path("scans")).extracting(n -> n.path("id").asText()).contains(refusedId)
                .doesNotContainAnyElementsOf(scans.keySet());
        java.io.StringWriter table = new java.io.StringWriter();
        java.io.StringWriter refusal = new java.io.StringWriter();
        picocli.CommandLine text = io.liverseg.cli.LiversegCli.commandLine();
        text.setOut(new java.io.PrintWriter(table));
        assertThat(text.execute("scans", "--server", mesh.ingestUrl(), "--status", "failed")).isZero();
        assertThat(table.toString().lines()).first().asString().startsWith("STORED");
        assertThat(table.toString().lines()).anySatisfy(l -> assertThat(l).contains(refusedId.substring(0, 12))
                .contains("failed"));
        picocli.CommandLine refused = io.liverseg.cli.LiversegCli.commandLine();
        refused.setErr(new java.io.PrintWriter(refusal));
        assertThat(refused.execute("scans", "--server", mesh.ingestUrl(), "--status", "done"))
                .isEqualTo(io.liverseg.cli.LiversegCli.EXIT_BAD_INPUT);
        assertThat(refusal.toString()).contains("400").contains("status");

        System.out.println("MeshIT liver Dice per phantom (bootstrap model): " + liverDice);
        // issue #4 §5: liver Dice ≥ 0.9 against each label with the bootstrap model (models/liver)
        assertThat(liverDice).hasSize(3)
                .allSatisfy((name, dice) -> assertThat(dice).as("liver Dice of " + name).isGreaterThanOrEqualTo(0.9));

        // Two inference instances share the topics' partitions in one consumer group.
        Collection<MemberDescription> members = describeGroup("liverseg-inference").members();
        assertThat(members).hasSize(2).allSatisfy(m -> assertThat(m.assignment().topicPartitions()).isNotEmpty());
    }

    /** {@code liverseg scans --server <ingest> ARGS} in this JVM: its JSON output (exit code 0 asserted). */
    private static JsonNode scansCommand(String... args) throws IOException {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = io.liverseg.cli.LiversegCli.commandLine();
        cl.setOut(new java.io.PrintWriter(out));
        cl.setErr(new java.io.PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("scans", "--server", mesh.ingestUrl()));
        all.addAll(List.of(args));
        assertThat(cl.execute(all.toArray(String[]::new))).as(err.toString()).isZero();
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString());
    }

    /** The tasks of the package folders in models/ (the registry's seed): folder vessel → task vessels. */
    private static List<String> seededTasks() throws IOException {
        try (java.util.stream.Stream<Path> s = Files.list(mesh.projectDir().resolve("models"))) {
            return s.filter(p -> Files.isRegularFile(p.resolve(ModelRegistry.MANIFEST)))
                    .map(p -> ModelRegistry.taskForSeedFolder(p.getFileName().toString())).sorted().toList();
        }
    }

    private static String parseVersion(Mesh mesh) throws IOException {
        return new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(mesh.projectDir().resolve("models/liver/model.json").toFile()).path("version").asText();
    }

    private static byte[] toBytes(Volume label) {
        byte[] b = new byte[label.voxels().size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Math.round(label.value(i));
        }
        return b;
    }

    private static ConsumerGroupDescription describeGroup(String group) throws Exception {
        return mesh.infra().kafkaAdmin().describeConsumerGroups(List.of(group)).all().get().get(group);
    }

    private static MaskReady parse(ConsumerRecord<String, byte[]> r) {
        try {
            return MaskReady.parseFrom(r.value());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> headers(ConsumerRecord<String, byte[]> r) {
        List<String> values = new ArrayList<>();
        for (Header h : r.headers()) {
            if (h.value() != null) {
                values.add(h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8));
            }
        }
        return values;
    }

    private static byte[] gzip(String text) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    /** The S3 event JSON MinIO's notify_kafka target publishes for a put. */
    private static void publishNotification(String key, long size) {
        String encoded = URLEncoder.encode(key, StandardCharsets.UTF_8);
        String json = """
                {"EventName":"s3:ObjectCreated:Put","Key":"%1$s/%2$s","Records":[{"eventVersion":"2.0",
                "eventSource":"minio:s3","awsRegion":"","eventTime":"2026-11-26T12:00:00.000Z",
                "eventName":"s3:ObjectCreated:Put","userIdentity":{"principalId":"minioadmin"},
                "requestParameters":{"principalId":"minioadmin","region":"","sourceIPAddress":"127.0.0.1"},
                "responseElements":{"x-amz-request-id":"17A2B3C4D5E6F708","x-minio-origin-endpoint":"http://127.0.0.1:9000"},
                "s3":{"s3SchemaVersion":"1.0","configurationId":"Config","bucket":{"name":"%1$s",
                "ownerIdentity":{"principalId":"minioadmin"},"arn":"arn:aws:s3:::%1$s"},
                "object":{"key":"%3$s","size":%4$d,"eTag":"0123456789abcdef0123456789abcdef",
                "contentType":"application/gzip","userMetadata":{"content-type":"application/gzip"},
                "sequencer":"17A2B3C4D5E6F709"}},"source":{"host":"127.0.0.1","port":"","userAgent":"MinIO (linux; amd64) minio-go/v7.0.70"}}]}
                """.formatted(Mesh.BUCKET, key, encoded, size);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, mesh.infra().kafkaBootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(Topics.BUCKET_NOTIFICATIONS, Mesh.BUCKET + "/" + key, json));
        }
    }
}
