package io.liverseg.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.liverseg.localstack.LocalStackResource;
import io.liverseg.proto.EventType;
import io.liverseg.proto.events.v1.LabeledScan;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/scans/{id}/label} on the real broker and S3 server (same resources as {@link ScanIngestIT}, so
 * Quarkus runs one application for both).
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackResource.class, initArgs = {
        @ResourceArg(name = LocalStackResource.BUCKETS, value = "liverseg"),
        @ResourceArg(name = LocalStackResource.TOPICS, value = "liverseg.scans.received:3,liverseg.scans.labeled:3,"
                + "liverseg.scans.failed:3,liverseg.bucket.notifications:3,liverseg.dead-letter")})
class LabelCorrectionIT {
    static Path dir;

    @Inject
    ObjectStore store;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @BeforeAll
    static void tempDir() throws IOException {
        dir = Files.createTempDirectory("label-it-");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static String upload(byte[] image) {
        return given().contentType("application/octet-stream").queryParam("name", "ct.nii.gz").body(image)
                .when().post("/api/scans")
                .then().statusCode(202)
                .extract().path("id");
    }

    private List<LabeledScan> labeled(String scanId) throws Exception {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "label-it-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<LabeledScan> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(EventType.LABELED_SCAN.topic()));
            for (int i = 0; i < 10; i++) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (scanId.equals(r.key())) {
                        out.add(LabeledScan.parseFrom(r.value()));
                    }
                }
            }
        }
        return out;
    }

    @Test
    void aCorrectionIsValidatedAgainstTheStoredImageStoredAndAnnounced() throws Exception {
        Phantoms.Files2 p = Phantoms.write(dir.resolve("a"), 301, 64, 24, true);
        String id = upload(p.imageBytes());
        byte[] label = p.labelBytes();

        given().contentType("application/octet-stream").queryParam("name", "corrected.nii.gz").body(label)
                .when().post("/api/scans/" + id + "/label")
                .then().statusCode(200)
                .body("scan_id", equalTo(id))
                .body("label_key", equalTo(ObjectKeys.label(id, true)))
                .body("source", equalTo("correction"))
                .body("task", equalTo("liver"));

        assertThat(store.get(ObjectKeys.label(id, true))).hasValueSatisfying(b -> assertThat(b).isEqualTo(label));
        // scan.json is not touched: it still says the scan came without a label
        assertThat(new String(store.get(ObjectKeys.scanRecord(id)).orElseThrow())).contains("\"label_key\" : null");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(labeled(id)).singleElement()
                .satisfies(e -> {
                    assertThat(e.getSource()).isEqualTo("correction");
                    assertThat(e.getTask()).isEqualTo("liver");
                    assertThat(e.getImageKey()).isEqualTo(ObjectKeys.image(id, true));
                    assertThat(e.getLabelKey()).isEqualTo(ObjectKeys.label(id, true));
                }));
    }

    @Test
    void aLabelOnAnotherGridIsRefusedNamingTheFieldAndNothingIsStored() throws Exception {
        Phantoms.Files2 p = Phantoms.write(dir.resolve("b"), 302, 64, 24, true);
        Phantoms.Files2 other = Phantoms.write(dir.resolve("c"), 303, 64, 20, true);
        String id = upload(p.imageBytes());

        given().contentType("application/octet-stream").queryParam("name", "wrong.nii.gz").body(other.labelBytes())
                .when().post("/api/scans/" + id + "/label")
                .then().statusCode(400)
                .contentType(Problem.MEDIA_TYPE)
                .body("field", equalTo("dim"))
                .body("file", equalTo("wrong.nii.gz"))
                .body("detail", containsString("[64, 64, 20]"));
        given().contentType("application/octet-stream").body("not a nifti".getBytes())
                .when().post("/api/scans/" + id + "/label")
                .then().statusCode(400);
        assertThat(store.list(ObjectKeys.scanPrefix(id))).noneMatch(k -> k.contains("label"));
        assertThat(labeled(id)).isEmpty();
    }

    @Test
    void multipartWithATaskUnknownScansAndUnknownTasks() throws Exception {
        Phantoms.Files2 p = Phantoms.write(dir.resolve("d"), 304, 64, 24, false);
        String id = upload(p.imageBytes());

        given().multiPart("label", "v.nii", p.labelBytes(), "application/octet-stream")
                .queryParam("task", "vessels")
                .when().post("/api/scans/" + id + "/label")
                .then().statusCode(200)
                .body("label_key", equalTo(ObjectKeys.label(id, false)))
                .body("task", equalTo("vessels"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(labeled(id)).singleElement()
                .satisfies(e -> assertThat(e.getTask()).isEqualTo("vessels")));

        String unknown = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest("nothing".getBytes()));
        given().contentType("application/octet-stream").body(p.labelBytes())
                .when().post("/api/scans/" + unknown + "/label")
                .then().statusCode(404);
        given().contentType("application/octet-stream").queryParam("task", "kidney").body(p.labelBytes())
                .when().post("/api/scans/" + id + "/label")
                .then().statusCode(400).body("field", equalTo("task"));
        given().multiPart("image", "x.nii", p.labelBytes(), "application/octet-stream")
                .when().post("/api/scans/" + id + "/label")
                .then().statusCode(400).body("field", equalTo("label"));
    }
}
