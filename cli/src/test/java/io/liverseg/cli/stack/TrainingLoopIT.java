package io.liverseg.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liverseg.imaging.nifti.NiftiWriter;
import io.liverseg.imaging.phantom.PhantomCase;
import io.liverseg.imaging.phantom.PhantomGenerator;
import io.liverseg.imaging.phantom.PhantomOptions;
import io.liverseg.proto.EventType;
import io.liverseg.proto.events.v1.MaskReady;
import io.liverseg.proto.events.v1.ModelPromoted;
import io.liverseg.proto.events.v1.SliceBatchReady;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #6 end to end: the built services as separate JVMs on the real broker and S3 server. Labelled phantoms
 * uploaded through ingest become a dataset, three new cases trigger a run with a tiny configuration, the candidate
 * is evaluated against the bootstrap champion and promoted (margin −2: deterministic), the next scan's MaskReady
 * carries the new version; a rollback makes the next scan use the bootstrap version again; a scan in flight while
 * the champion changes finishes on the version it started with (every SliceBatchReady and its one MaskReady), and
 * the scan after it uses the new champion.
 */
class TrainingLoopIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static Mesh mesh;
    private static IngestClient client;
    private static String training;
    private static KafkaConsumer<String, byte[]> consumer;
    private static final List<ConsumerRecord<String, byte[]>> records = new CopyOnWriteArrayList<>();

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startMesh() throws Exception {
        Path home = Path.of(System.getProperty("liverseg.home", "..")).toAbsolutePath().normalize();
        mesh = Mesh.start(Mesh.Options.of(home).withExtraConfig(Map.ofEntries(
                Map.entry("liverseg.training.trigger-new-cases", "3"),
                Map.entry("liverseg.training.promotion-margin", "-2"),
                Map.entry("liverseg.training.defaults.epochs", "1"),
                Map.entry("liverseg.training.defaults.batch-size", "4"),
                Map.entry("liverseg.training.defaults.slices-per-epoch", "8"),
                Map.entry("liverseg.training.defaults.base-features", "4"),
                Map.entry("liverseg.training.defaults.levels", "3"),
                Map.entry("liverseg.training.defaults.target-size", "64"),
                Map.entry("liverseg.training.progress-interval", "1s"),
                // small batches: a scan is several SliceBatchReady, so a promotion can fall between them
                Map.entry("liverseg.preprocess.batch-size", "8"))), line -> { });
        client = new IngestClient(mesh.ingestUrl());
        training = mesh.service("training").baseUrl();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, mesh.infra().kafkaBootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumer = new KafkaConsumer<>(p);
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(EventType.MASK_READY.topic(), EventType.SLICE_BATCH_READY.topic(),
                EventType.MODEL_PROMOTED.topic())) {
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

    private static synchronized List<ConsumerRecord<String, byte[]>> poll(String topic) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            records.add(r);
        }
        return records.stream().filter(r -> r.topic().equals(topic)).toList();
    }

    private static List<MaskReady> masks(String scan) {
        return poll(EventType.MASK_READY.topic()).stream().map(r -> parse(r, MaskReady::parseFrom))
                .filter(m -> m.getScanId().equals(scan) && m.getTask().equals("liver")).toList();
    }

    private static List<SliceBatchReady> batches(String scan) {
        return poll(EventType.SLICE_BATCH_READY.topic()).stream().map(r -> parse(r, SliceBatchReady::parseFrom))
                .filter(b -> b.getScanId().equals(scan) && b.getTask().equals("liver")).toList();
    }

    private interface Parser<T> {
        T parse(byte[] b) throws IOException;
    }

    private static <T> T parse(ConsumerRecord<String, byte[]> r, Parser<T> p) {
        try {
            return p.parse(r.value());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(training + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static JsonNode post(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(training + path))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** A phantom's image (and label) as files; returns {image, label}. */
    private static Path[] phantom(long seed, int slices) throws IOException {
        PhantomCase c = new PhantomGenerator(PhantomOptions.defaults().withSize(64).withSlices(slices, slices)
                .withSeed(seed)).generate(0);
        Path image = tmp.resolve("ct-" + seed + ".nii.gz");
        Path label = tmp.resolve("ct-" + seed + "-label.nii.gz");
        NiftiWriter.write(c.image(), image);
        NiftiWriter.write(c.label(), label);
        return new Path[] {image, label};
    }

    private static String upload(Path image, Path label) throws IOException {
        IngestClient.Answer a = client.upload(image, label);
        assertThat(a.status()).as(a.text()).isEqualTo(202);
        return a.json().path("id").asText();
    }

    @Test
    void labelledScansTrainAPromotedCandidateThatServesTheNextScanAndARollbackSwapsBackBetweenScans() throws Exception {
        // Three labelled scans: a dataset of three, a run (trigger-new-cases = 3), a candidate, promoted.
        List<String> labelled = new ArrayList<>();
        for (long seed = 601; seed <= 603; seed++) {
            Path[] p = phantom(seed, 24);
            labelled.add(upload(p[0], p[1]));
        }
        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(get("/api/training/runs").findValuesAsText("status")).contains("succeeded"));
        JsonNode run = get("/api/training/runs").get(0);
        assertThat(run.path("trigger").asText()).isEqualTo("new-cases");
        assertThat(run.path("dataset").path("cases").asInt()).isEqualTo(3);
        assertThat(run.path("evaluation").path("decision").asText()).as(run.toString()).isEqualTo("promoted");
        String candidate = run.path("model_version").asText();
        JsonNode models = get("/api/models");
        assertThat(models.path("champion").asText()).isEqualTo(candidate);
        String bootstrap = run.path("parent_version").asText();
        assertThat(models.path("versions").findValuesAsText("version")).containsExactly(bootstrap, candidate);
        assertThat(models.path("versions").findValuesAsText("status")).containsExactly("retired", "champion");

        // The next scan is segmented by the new champion.
        long promotedAt = System.nanoTime();
        String next = upload(phantom(604, 24)[0], null);
        await().atMost(Duration.ofMinutes(5)).until(() -> !masks(next).isEmpty());
        long firstNewMaskMs = (System.nanoTime() - promotedAt) / 1_000_000;
        assertThat(masks(next)).singleElement().extracting(MaskReady::getModelVersion).isEqualTo(candidate);
        assertThat(batches(next)).isNotEmpty().allSatisfy(b -> assertThat(b.getModelVersion()).isEqualTo(candidate));

        // Rollback: the next scan is segmented by the bootstrap version again.
        long rollbackAt = System.nanoTime();
        JsonNode back = post("/api/models/" + bootstrap + "/rollback");
        assertThat(back.path("version").asText()).isEqualTo(bootstrap);
        assertThat(back.path("previous_version").asText()).isEqualTo(candidate);
        String afterRollback = upload(phantom(605, 24)[0], null);
        await().atMost(Duration.ofMinutes(5)).until(() -> !masks(afterRollback).isEmpty());
        long rolledBackMaskMs = (System.nanoTime() - rollbackAt) / 1_000_000;
        assertThat(masks(afterRollback)).singleElement().extracting(MaskReady::getModelVersion).isEqualTo(bootstrap);

        // A scan in flight while the candidate is promoted again (manually) finishes on the version it started
        // with; the scan after it uses the new champion. The bootstrap model (256², base 8) takes seconds per batch
        // of 8 slices, so the 64-slice scan is still being inferred when the promotion happens.
        String inFlight = upload(phantom(606, 64)[0], null);
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(100)).until(() -> !batches(inFlight).isEmpty());
        post("/api/models/" + candidate + "/promote");
        boolean stillInFlight = masks(inFlight).isEmpty();
        String after = upload(phantom(607, 24)[0], null);
        await().atMost(Duration.ofMinutes(8)).until(() -> !masks(inFlight).isEmpty() && !masks(after).isEmpty());
        assertThat(stillInFlight).as("the scan was still being processed when the champion changed").isTrue();
        List<SliceBatchReady> flight = batches(inFlight);
        assertThat(flight).extracting(SliceBatchReady::getModelVersion).containsOnly(bootstrap);
        assertThat(flight).extracting(SliceBatchReady::getBatchIndex).doesNotHaveDuplicates()
                .hasSize(flight.get(0).getBatchCount());
        assertThat(masks(after)).singleElement().extracting(MaskReady::getModelVersion).isEqualTo(candidate);
        assertThat(batches(after)).allSatisfy(b -> assertThat(b.getModelVersion()).isEqualTo(candidate));
        // one mask per scan: none duplicated, none of another version, while things settle
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(masks(inFlight)).singleElement().extracting(MaskReady::getModelVersion).isEqualTo(bootstrap));

        // Every change is recorded and announced.
        assertThat(get("/api/models").path("history").findValuesAsText("reason"))
                .containsExactly("seed", "promotion", "rollback", "manual");
        assertThat(poll(EventType.MODEL_PROMOTED.topic()).stream().map(r -> parse(r, ModelPromoted::parseFrom)))
                .extracting(ModelPromoted::getVersion, ModelPromoted::getReason)
                .contains(org.assertj.core.groups.Tuple.tuple(candidate, "promotion"),
                        org.assertj.core.groups.Tuple.tuple(bootstrap, "rollback"),
                        org.assertj.core.groups.Tuple.tuple(candidate, "manual"));
        // A scan the bootstrap version segmented before the promotion, segmented again for the champion: a second
        // MaskReady, of the candidate, whose report replaces the old one; asking again changes nothing.
        assertThat(client.awaitDone(afterRollback, Duration.ofMinutes(2))).isPresent();
        IngestClient.Answer again = client.resegment(afterRollback);
        assertThat(again.status()).as(again.text()).isEqualTo(202);
        assertThat(again.json().path("tasks").path("liver").path("from").asText()).isEqualTo(bootstrap);
        assertThat(again.json().path("tasks").path("liver").path("to").asText()).isEqualTo(candidate);
        await().atMost(Duration.ofMinutes(5)).untilAsserted(() -> assertThat(masks(afterRollback))
                .extracting(MaskReady::getModelVersion).containsExactly(bootstrap, candidate));
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(client.report(afterRollback).json()
                .path("tasks").path("liver").path("model_version").asText()).isEqualTo(candidate));
        assertThat(client.status(afterRollback).json().path("status").asText()).isEqualTo("mask_ready");
        assertThat(client.mask(afterRollback, "liver").status()).isEqualTo(200);
        IngestClient.Answer nothing = client.resegment(afterRollback);
        assertThat(nothing.status()).as(nothing.text()).isEqualTo(409);

        // A labelled scan deleted at ingest leaves the bucket and, through ScanDeleted on the broker, the dataset.
        String gone = labelled.get(0);
        assertThat(client.awaitDone(gone, Duration.ofMinutes(2))).hasValueSatisfying(s ->
                assertThat(s.path("status").asText()).isEqualTo("mask_ready"));
        IngestClient.Answer deleted = client.delete(gone);
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(200);
        assertThat(client.status(gone).status()).isEqualTo(404);
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() ->
                assertThat(get("/api/training/dataset?task=liver").path("cases").findValuesAsText("scan_id"))
                        .containsExactlyInAnyOrderElementsOf(labelled.subList(1, labelled.size())));

        List<String> loads = new ArrayList<>();
        try (var logs = Files.list(mesh.logDir())) {
            for (Path log : logs.filter(f -> f.getFileName().toString().startsWith("inference")).toList()) {
                Files.readAllLines(log).stream().filter(l -> l.contains(" loaded on ")).forEach(loads::add);
            }
        }
        System.out.printf("TrainingLoopIT: run %s %s -> %s; upload to MaskReady of the first scan on the promoted"
                        + " candidate %d ms; rollback to MaskReady of the next scan %d ms; scan in flight: %d batches;"
                        + " model loads in inference: %s%n", run.path("id").asText(), run.path("started_at").asText(),
                run.path("finished_at").asText(), firstNewMaskMs, rolledBackMaskMs, flight.size(), loads);
        Files.writeString(tmp.resolve("done"), "ok");
    }
}
