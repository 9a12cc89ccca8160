package io.liverseg.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liverseg.localstack.LocalStackResource;
import io.liverseg.localstack.MetricsScrape;
import io.liverseg.proto.EventType;
import io.liverseg.proto.Topics;
import io.liverseg.proto.events.v1.LabeledScan;
import io.liverseg.proto.events.v1.ScanDeleted;
import io.liverseg.proto.events.v1.ScanFailed;
import io.liverseg.proto.events.v1.ScanReceived;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
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
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ingest-service on the real broker and S3 server (local-stack): uploads, refusals, bucket notifications, the
 * dead-letter path and the S3-derived status.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackResource.class, initArgs = {
        @ResourceArg(name = LocalStackResource.BUCKETS, value = "liverseg"),
        @ResourceArg(name = LocalStackResource.TOPICS, value = "liverseg.scans.received:3,liverseg.scans.labeled:3,"
                + "liverseg.scans.failed:3,liverseg.scans.deleted:3,liverseg.bucket.notifications:3,"
                + "liverseg.dead-letter")})
class ScanIngestIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static Path dir;

    @Inject
    ObjectStore store;

    @Inject
    io.quarkiverse.minio.client.OptionalHttpClientProducer s3HttpClients;

    @BeforeAll
    static void tempDir() throws IOException {
        dir = Files.createTempDirectory("ingest-it-");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void theMinioClientsHttpClientHasNagleOff() throws Exception {
        okhttp3.OkHttpClient client = s3HttpClients.apply("<default>").orElseThrow();
        try (java.net.Socket socket = client.socketFactory().createSocket()) {
            assertThat(socket.getTcpNoDelay()).isTrue();
        }
    }

    @Test
    void topicsInConfigAreTheContractConstants() {
        var config = ConfigProvider.getConfig();
        assertThat(config.getValue("mp.messaging.outgoing." + EventPublisher.SCAN_RECEIVED + ".topic", String.class))
                .isEqualTo(EventType.SCAN_RECEIVED.topic());
        assertThat(config.getValue("mp.messaging.outgoing." + EventPublisher.LABELED_SCAN + ".topic", String.class))
                .isEqualTo(EventType.LABELED_SCAN.topic());
        assertThat(config.getValue("mp.messaging.outgoing." + EventPublisher.SCAN_FAILED + ".topic", String.class))
                .isEqualTo(EventType.SCAN_FAILED.topic());
        assertThat(config.getValue("mp.messaging.outgoing." + EventPublisher.SCAN_DELETED + ".topic", String.class))
                .isEqualTo(EventType.SCAN_DELETED.topic());
        assertThat(config.getValue("mp.messaging.incoming." + BucketNotificationConsumer.IN + ".topic", String.class))
                .isEqualTo(Topics.BUCKET_NOTIFICATIONS);
        assertThat(config.getValue("mp.messaging.incoming." + BucketNotificationConsumer.IN
                + ".dead-letter-queue.topic", String.class)).isEqualTo(Topics.DEAD_LETTER);
    }

    @Test
    void aRawGzipUploadIsStoredAndAnnouncedOnceEvenWhenSentTwice() throws Exception {
        Phantoms.Files2 p = Phantoms.write(dir.resolve("raw"), 101, 64, 32, true);
        byte[] bytes = p.imageBytes();
        String id = sha256(bytes);
        MetricsScrape before = metrics();

        given().contentType("application/octet-stream").queryParam("name", "case 101.nii.gz").body(bytes)
                .when().post("/api/scans")
                .then().statusCode(202)
                .header("Location", endsWith("/api/scans/" + id))
                .body("id", equalTo(id))
                .body("status", equalTo("received"))
                .body("duplicate", equalTo(false));

        assertThat(store.get(ObjectKeys.image(id, true))).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes));
        JsonNode record = JSON.readTree(store.get(ObjectKeys.scanRecord(id)).orElseThrow());
        assertThat(record.get("scan_id").asText()).isEqualTo(id);
        assertThat(record.get("file_name").asText()).isEqualTo("case 101.nii.gz");
        assertThat(record.get("size_bytes").asLong()).isEqualTo(bytes.length);
        assertThat(record.get("image_key").asText()).isEqualTo(ObjectKeys.image(id, true));
        assertThat(record.get("label_key").isNull()).isTrue();
        assertThat(record.get("source").asText()).isEqualTo("upload");
        assertThat(record.get("geometry").get("dims").toString()).isEqualTo("[64,64,32]");
        assertThat(record.get("geometry").get("affine")).hasSize(16);
        assertThat(record.get("geometry").get("spacing_mm")).hasSize(3);

        List<ConsumerRecord<String, byte[]>> events = awaitKey(EventType.SCAN_RECEIVED.topic(), id, 1);
        ConsumerRecord<String, byte[]> event = events.get(0);
        assertThat(header(event, "ce_type")).isEqualTo("liverseg.events.v1.ScanReceived");
        assertThat(header(event, "ce_id")).isEqualTo(id + ":received");
        assertThat(header(event, "ce_source")).isEqualTo("/liverseg/ingest-service");
        assertThat(header(event, "ce_specversion")).isEqualTo("1.0");
        assertThat(header(event, "ce_time")).isNotBlank();
        assertThat(header(event, "content-type") + header(event, "ce_datacontenttype")).contains("application/protobuf");
        ScanReceived received = ScanReceived.parseFrom(event.value());
        assertThat(received.getScanId()).isEqualTo(id);
        assertThat(received.getBucket()).isEqualTo("liverseg");
        assertThat(received.getImageKey()).isEqualTo(ObjectKeys.image(id, true));
        assertThat(received.getLabelKey()).isEmpty();
        assertThat(received.getSource()).isEqualTo("upload");
        assertThat(received.getSizeBytes()).isEqualTo(bytes.length);
        assertThat(received.getGeometry().getDimsList()).containsExactly(64, 64, 32);
        assertThat(received.getGeometry().getAffineCount()).isEqualTo(16);
        assertThat(received.getGeometry().getOrientation()).isIn("RAS", "LPS");
        assertThat(received.hasReceivedAt()).isTrue();

        // GET: from now on S3 says preprocessing (no batch plan yet)
        given().when().get("/api/scans/" + id)
                .then().statusCode(200)
                .body("status", equalTo("preprocessing"))
                .body("file_name", equalTo("case 101.nii.gz"))
                .body("tasks.liver.status", equalTo("pending"));

        // the same bytes again: same id, no second event
        given().contentType("application/octet-stream").body(bytes)
                .when().post("/api/scans")
                .then().statusCode(202)
                .body("id", equalTo(id))
                .body("duplicate", equalTo(true))
                .body("status", equalTo("preprocessing"));
        assertThat(recordsWithKey(EventType.SCAN_RECEIVED.topic(), id)).hasSize(1);
        // one scan received, the duplicate not counted
        assertThat(metrics().value(RECEIVED, "source", "upload") - before.value(RECEIVED, "source", "upload"))
                .isEqualTo(1.0);
    }

    @Test
    void gzipIsDetectedByMagicBytesNotByName() throws Exception {
        Phantoms.Files2 p = Phantoms.write(dir.resolve("plain"), 102, 64, 32, false);
        byte[] bytes = p.imageBytes();
        String id = sha256(bytes);

        given().contentType("application/octet-stream")
                .header("Content-Disposition", "attachment; filename=\"misnamed.nii.gz\"").body(bytes)
                .when().post("/api/scans")
                .then().statusCode(202).body("id", equalTo(id));

        assertThat(store.exists(ObjectKeys.image(id, false))).isTrue();
        assertThat(store.exists(ObjectKeys.image(id, true))).isFalse();
        ScanReceived r = ScanReceived.parseFrom(awaitKey(EventType.SCAN_RECEIVED.topic(), id, 1).get(0).value());
        assertThat(r.getImageKey()).endsWith("/image.nii");
        assertThat(r.getFileName()).isEqualTo("misnamed.nii.gz");
    }

    @Test
    void aMultipartUploadWithLabelAndMetadataEmitsScanReceivedAndLabeledScan() throws Exception {
        Phantoms.Files2 p = Phantoms.write(dir.resolve("multi"), 103, 64, 32, true);
        String id = sha256(p.imageBytes());

        given().multiPart("image", p.image().toFile(), "application/octet-stream")
                .multiPart("label", p.label().toFile(), "application/octet-stream")
                .multiPart("metadata", "{\"patient\":\"anon-7\",\"site\":\"A\"}", "application/json")
                .when().post("/api/scans")
                .then().statusCode(202)
                .header("Location", endsWith("/api/scans/" + id))
                .body("id", equalTo(id));

        assertThat(store.get(ObjectKeys.label(id, true))).hasValueSatisfying(b -> assertThat(b).isEqualTo(p.labelBytes()));
        JsonNode record = JSON.readTree(store.get(ObjectKeys.scanRecord(id)).orElseThrow());
        assertThat(record.get("label_key").asText()).isEqualTo(ObjectKeys.label(id, true));
        assertThat(record.get("file_name").asText()).isEqualTo(p.image().getFileName().toString());
        assertThat(record.get("metadata").get("patient").asText()).isEqualTo("anon-7");
        assertThat(record.get("label_task").asText()).as("a label without label_task follows the liver convention")
                .isEqualTo("liver");

        ScanReceived r = ScanReceived.parseFrom(awaitKey(EventType.SCAN_RECEIVED.topic(), id, 1).get(0).value());
        assertThat(r.getLabelKey()).isEqualTo(ObjectKeys.label(id, true));
        assertThat(r.getLabelTask()).isEqualTo("liver");
        assertThat(r.getMetadataMap()).containsEntry("patient", "anon-7").containsEntry("site", "A");
        ConsumerRecord<String, byte[]> labeledRecord = awaitKey(EventType.LABELED_SCAN.topic(), id, 1).get(0);
        assertThat(header(labeledRecord, "ce_type")).isEqualTo("liverseg.events.v1.LabeledScan");
        LabeledScan labeled = LabeledScan.parseFrom(labeledRecord.value());
        assertThat(labeled.getSource()).isEqualTo("upload");
        assertThat(labeled.getLabelKey()).isEqualTo(ObjectKeys.label(id, true));
        assertThat(labeled.getImageKey()).isEqualTo(ObjectKeys.image(id, true));
        assertThat(labeled.getTask()).isEqualTo("liver");

        given().when().get("/api/scans/" + id).then().statusCode(200).body("has_label", equalTo(true));
    }

    @Test
    void aLabelNamedAsVesselLabelIsAnnouncedForTheVesselTask() throws Exception {
        Phantoms.Files2 p = Phantoms.write(dir.resolve("vessel-label"), 109, 64, 32, true);
        String id = sha256(p.imageBytes());

        given().multiPart("image", p.image().toFile(), "application/octet-stream")
                .multiPart("label", p.label().toFile(), "application/octet-stream")
                .multiPart("label_task", "vessels")
                .when().post("/api/scans")
                .then().statusCode(202)
                .body("id", equalTo(id));

        JsonNode record = JSON.readTree(store.get(ObjectKeys.scanRecord(id)).orElseThrow());
        assertThat(record.get("label_task").asText()).isEqualTo("vessels");
        ScanReceived r = ScanReceived.parseFrom(awaitKey(EventType.SCAN_RECEIVED.topic(), id, 1).get(0).value());
        assertThat(r.getLabelTask()).isEqualTo("vessels");
        assertThat(r.getLabelKey()).isEqualTo(ObjectKeys.label(id, true));
        LabeledScan labeled = LabeledScan.parseFrom(awaitKey(EventType.LABELED_SCAN.topic(), id, 1).get(0).value());
        assertThat(labeled.getTask()).isEqualTo("vessels");
    }

    @Test
    void badInputIsRefusedWithAProblemAndNothingIsStoredOrEmitted() throws Exception {
        Set<String> keysBefore = new TreeSet<>(store.list(""));
        Map<TopicPartition, Long> offsetsBefore = endOffsets();

        byte[] text = "hello, I am not a scan".getBytes(StandardCharsets.UTF_8);
        problem(given().contentType("application/octet-stream").queryParam("name", "notes.txt").body(text)
                .post("/api/scans"), 400, "notes.txt", "sizeof_hdr");

        Phantoms.Files2 good = Phantoms.write(dir.resolve("bad"), 104, 64, 32, true);
        byte[] gz = good.imageBytes();
        problem(given().contentType("application/octet-stream").queryParam("name", "cut.nii.gz")
                .body(Arrays.copyOf(gz, gz.length / 2)).post("/api/scans"), 400, "cut.nii.gz", "dim");

        // a label sent as the scan (0, 1, 2: not CT in HU) is refused, not segmented
        problem(given().contentType("application/octet-stream").queryParam("name", "label-as-scan.nii.gz")
                .body(good.labelBytes()).post("/api/scans"), 400, "label-as-scan.nii.gz", "data");

        problem(given().contentType("application/octet-stream").queryParam("name", "wrong-magic.nii")
                .body(resource("wrong-magic.nii")).post("/api/scans"), 400, "wrong-magic.nii", "magic");
        problem(given().contentType("application/octet-stream").queryParam("name", "corrupt-gzip.nii.gz")
                .body(resource("corrupt-gzip.nii.gz")).post("/api/scans"), 400, "corrupt-gzip.nii.gz", "gzip");

        Phantoms.Files2 otherGrid = Phantoms.write(dir.resolve("grid"), 105, 48, 32, true);
        problem(given().multiPart("image", good.image().toFile(), "application/octet-stream")
                .multiPart("label", otherGrid.label().toFile(), "application/octet-stream")
                .post("/api/scans"), 400, otherGrid.label().getFileName().toString(), "dim");

        Path mask255 = dir.resolve("bad").resolve("mask255.nii.gz");
        io.liverseg.imaging.Volume lab = io.liverseg.imaging.nifti.NiftiReader.defaults().readScan(good.label());
        byte[] binary = new byte[lab.voxels().size()];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = lab.value(i) > 0 ? (byte) 255 : 0;
        }
        io.liverseg.imaging.nifti.NiftiWriter.write(lab.withVoxels(io.liverseg.imaging.Voxels.ofUnsignedBytes(binary),
                1, 0), mask255);
        problem(given().multiPart("image", good.image().toFile(), "application/octet-stream")
                .multiPart("label", mask255.toFile(), "application/octet-stream")
                .post("/api/scans"), 400, "mask255.nii.gz", "data");

        problem(given().multiPart("label", good.label().toFile(), "application/octet-stream")
                .post("/api/scans"), 400, "image", "image");
        problem(given().multiPart("image", good.image().toFile(), "application/octet-stream")
                .multiPart("label", good.label().toFile(), "application/octet-stream")
                .multiPart("label_task", "kidney")
                .post("/api/scans"), 400, null, "label_task");
        problem(given().multiPart("image", good.image().toFile(), "application/octet-stream")
                .multiPart("label_task", "vessels")
                .post("/api/scans"), 400, null, "label_task");
        problem(given().multiPart("image", good.image().toFile(), "application/octet-stream")
                .multiPart("metadata", "{not json", "application/json")
                .post("/api/scans"), 400, "metadata", "metadata");

        Response unsupported = given().contentType("text/plain").body("hello").post("/api/scans");
        problem(unsupported, 415, null, "Content-Type");

        byte[] big = new byte[1_500_000];
        new java.util.Random(1).nextBytes(big);
        problem(given().contentType("application/octet-stream").queryParam("name", "huge.nii.gz").body(big)
                .post("/api/scans"), 413, "huge.nii.gz", "size");

        assertThat(new TreeSet<>(store.list(""))).as("nothing stored").isEqualTo(keysBefore);
        assertThat(endOffsets()).as("nothing emitted").isEqualTo(offsetsBefore);
        assertThat(store.exists(ObjectKeys.scanRecord(sha256(gz)))).isFalse();
    }

    @Test
    void anObjectPutUnderIncomingEntersThePipelineThroughItsBucketNotification() throws Exception {
        Phantoms.Files2 p = Phantoms.write(dir.resolve("incoming"), 106, 64, 32, true);
        byte[] bytes = p.imageBytes();
        String id = sha256(bytes);
        String key = "incoming/ct 106.nii.gz";
        store.put(key, bytes, "application/gzip");

        publishNotification(key, bytes.length);

        ConsumerRecord<String, byte[]> event = awaitKey(EventType.SCAN_RECEIVED.topic(), id, 1).get(0);
        ScanReceived r = ScanReceived.parseFrom(event.value());
        assertThat(r.getSource()).isEqualTo("bucket-notification");
        assertThat(r.getFileName()).isEqualTo("ct 106.nii.gz");
        assertThat(r.getImageKey()).isEqualTo(ObjectKeys.image(id, true));
        assertThat(r.getMetadataMap()).containsEntry("object_key", key);
        assertThat(header(event, "ce_id")).isEqualTo(id + ":received");
        assertThat(store.get(ObjectKeys.image(id, true))).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes));
        assertThat(JSON.readTree(store.get(ObjectKeys.scanRecord(id)).orElseThrow()).get("source").asText())
                .isEqualTo("bucket-notification");
    }

    @Test
    void aCorruptIncomingObjectEndsInTheDeadLetterTopicAndTheNextOneStillGoesThrough() throws Exception {
        MetricsScrape before = metrics();
        byte[] broken = "this is no NIfTI, just text dropped into incoming/".getBytes(StandardCharsets.UTF_8);
        String brokenId = sha256(broken);
        String brokenKey = "incoming/broken-107.nii.gz";
        store.put(brokenKey, broken, "application/gzip");
        Phantoms.Files2 good = Phantoms.write(dir.resolve("after-broken"), 108, 64, 32, true);
        byte[] goodBytes = good.imageBytes();
        String goodId = sha256(goodBytes);
        String goodKey = "incoming/good-108.nii.gz";
        store.put(goodKey, goodBytes, "application/gzip");

        // a label dropped where scans go: NIfTI, but not CT in Hounsfield units
        byte[] notCt = good.labelBytes();
        String notCtId = sha256(notCt);
        String notCtKey = "incoming/label-108.nii.gz";
        store.put(notCtKey, notCt, "application/gzip");

        publishNotification(brokenKey, broken.length);
        publishNotification(notCtKey, notCt.length);
        publishNotification(goodKey, goodBytes.length);

        List<ConsumerRecord<String, byte[]>> dead = awaitMatching(Topics.DEAD_LETTER,
                r -> new String(r.value(), StandardCharsets.UTF_8).contains("broken-107"), 1);
        String reason = header(dead.get(0), "dead-letter-reason");
        assertThat(reason).contains("incoming/broken-107.nii.gz").contains("sizeof_hdr");
        assertThat(header(dead.get(0), "dead-letter-topic")).isEqualTo(Topics.BUCKET_NOTIFICATIONS);

        JsonNode failed = JSON.readTree(store.get(ObjectKeys.failure(brokenId)).orElseThrow());
        assertThat(failed.get("stage").asText()).isEqualTo("ingest");
        assertThat(failed.get("scan_id").asText()).isEqualTo(brokenId);
        assertThat(failed.get("object_key").asText()).isEqualTo(brokenKey);
        assertThat(failed.get("field").asText()).isEqualTo("sizeof_hdr");
        ScanFailed scanFailed = ScanFailed.parseFrom(awaitKey(EventType.SCAN_FAILED.topic(), brokenId, 1).get(0).value());
        assertThat(scanFailed.getStage()).isEqualTo("ingest");
        assertThat(scanFailed.getReason()).contains("broken-107");
        assertThat(store.exists(ObjectKeys.scanRecord(brokenId))).isFalse();

        given().when().get("/api/scans/" + brokenId)
                .then().statusCode(200)
                .body("status", equalTo("failed"))
                .body("failed_stage", equalTo("ingest"));

        List<ConsumerRecord<String, byte[]>> deadLabel = awaitMatching(Topics.DEAD_LETTER,
                rec -> new String(rec.value(), StandardCharsets.UTF_8).contains("label-108"), 1);
        assertThat(header(deadLabel.get(0), "dead-letter-reason")).contains("incoming/label-108.nii.gz")
                .contains("not CT Hounsfield units");
        JsonNode notCtFailed = JSON.readTree(store.get(ObjectKeys.failure(notCtId)).orElseThrow());
        assertThat(notCtFailed.get("field").asText()).isEqualTo("data");
        assertThat(store.exists(ObjectKeys.scanRecord(notCtId))).isFalse();

        ScanReceived r = ScanReceived.parseFrom(awaitKey(EventType.SCAN_RECEIVED.topic(), goodId, 1).get(0).value());
        assertThat(r.getSource()).isEqualTo("bucket-notification");

        // counted just after their events were sent
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            MetricsScrape after = metrics();
            assertThat(after.value(REFUSED, "source", "bucket-notification")
                    - before.value(REFUSED, "source", "bucket-notification")).isEqualTo(2.0);
            assertThat(after.value(RECEIVED, "source", "bucket-notification")
                    - before.value(RECEIVED, "source", "bucket-notification")).isEqualTo(1.0);
        });
    }

    @Test
    void aFailedScanIsSentDownThePipelineAgainOnceButARefusedOrHealthyOneIsNot() throws Exception {
        Phantoms.Files2 p = Phantoms.write(dir.resolve("retry"), 107, 64, 32, true);
        byte[] bytes = p.imageBytes();
        String id = sha256(bytes);
        given().contentType("application/octet-stream").queryParam("name", "retry.nii.gz").body(bytes)
                .when().post("/api/scans")
                .then().statusCode(202);
        ScanReceived first = ScanReceived.parseFrom(awaitKey(EventType.SCAN_RECEIVED.topic(), id, 1).get(0).value());

        // not failed: nothing to retry
        problem(given().post("/api/scans/" + id + "/retry"), 409, null, null);

        // a stage that failed for a passing reason writes failed.json as preprocess does (the ScanFailed as JSON)
        ScanFailed failure = ScanFailed.newBuilder()
                .setScanId(id)
                .setStage("preprocess")
                .setReason("preprocess of retry.nii.gz failed: S3 get liverseg/" + first.getImageKey()
                        + " failed: Failed to connect (gave up after 15 attempts; retry window 30 s)")
                .setErrorType("StorageException")
                .setFailedAt(com.google.protobuf.util.Timestamps.fromMillis(1_764_000_000_123L))
                .build();
        store.put(ObjectKeys.failure(id), com.google.protobuf.util.JsonFormat.printer().preservingProtoFieldNames()
                .print(failure).getBytes(StandardCharsets.UTF_8), "application/json");
        given().when().get("/api/scans/" + id).then().statusCode(200).body("status", equalTo("failed"));

        given().when().post("/api/scans/" + id + "/retry")
                .then().statusCode(202)
                .header("Location", endsWith("/api/scans/" + id))
                .body("id", equalTo(id))
                .body("status", equalTo("received"))
                .body("failed_stage", equalTo("preprocess"))
                .body("failure_reason", equalTo(failure.getReason()));

        assertThat(store.exists(ObjectKeys.failure(id))).isFalse();
        given().when().get("/api/scans/" + id).then().statusCode(200).body("status", equalTo("preprocessing"));
        List<ConsumerRecord<String, byte[]>> announced = awaitKey(EventType.SCAN_RECEIVED.topic(), id, 2);
        ConsumerRecord<String, byte[]> again = announced.stream()
                .filter(r -> !(id + ":received").equals(header(r, "ce_id"))).findFirst().orElseThrow();
        assertThat(header(again, "ce_id")).isEqualTo(id + ":received:retry:1764000000123");
        assertThat(ScanReceived.parseFrom(again.value())).isEqualTo(first);

        // the failure is cleared: a second retry has nothing to do and sends nothing
        problem(given().post("/api/scans/" + id + "/retry"), 409, null, null);
        assertThat(recordsWithKey(EventType.SCAN_RECEIVED.topic(), id)).hasSize(2);

        // refused at ingest: failed.json without scan.json, nothing stored to send again
        String refused = sha256("refused at ingest".getBytes(StandardCharsets.UTF_8));
        store.put(ObjectKeys.failure(refused), com.google.protobuf.util.JsonFormat.printer()
                .preservingProtoFieldNames().print(ScanFailed.newBuilder().setScanId(refused).setStage("ingest")
                        .setReason("incoming/ct.nii.gz: truncated").build()).getBytes(StandardCharsets.UTF_8),
                "application/json");
        Response r = given().post("/api/scans/" + refused + "/retry");
        problem(r, 409, null, null);
        assertThat(r.asString()).contains("refused at ingest").contains("truncated");
        assertThat(store.exists(ObjectKeys.failure(refused))).isTrue();

        problem(given().post("/api/scans/" + "0".repeat(64) + "/retry"), 404, null, null);
        problem(given().post("/api/scans/not-a-scan-id/retry"), 404, null, null);
        assertThat(recordsWithKey(EventType.SCAN_RECEIVED.topic(), refused)).isEmpty();
    }

    @Test
    void aFinishedScanIsSegmentedAgainForTheChampionsThatDidNotMakeItsMasks() throws Exception {
        byte[] bytes = Phantoms.write(dir.resolve("resegment"), 108, 64, 24, true).imageBytes();
        String id = sha256(bytes);
        given().contentType("application/octet-stream").queryParam("name", "resegment.nii.gz").body(bytes)
                .when().post("/api/scans").then().statusCode(202);
        ScanReceived first = ScanReceived.parseFrom(awaitKey(EventType.SCAN_RECEIVED.topic(), id, 1).get(0).value());
        Response busy = given().post("/api/scans/" + id + "/resegment");
        problem(busy, 409, null, null);
        assertThat(busy.asString()).contains("still being processed");

        finishedTask(id, "liver"); // its mask is version 1's
        try {
            Response none = given().post("/api/scans/" + id + "/resegment");
            problem(none, 409, null, null);
            assertThat(none.asString()).contains("no task has a champion");
            putJson(ObjectKeys.champion("liver"), Map.of("version", "1", "reason", "seed"));
            Response same = given().post("/api/scans/" + id + "/resegment");
            problem(same, 409, null, null);
            assertThat(same.asString()).contains("already").contains("liver v1");
            assertThat(recordsWithKey(EventType.SCAN_RECEIVED.topic(), id)).hasSize(1);

            putJson(ObjectKeys.champion("liver"), Map.of("version", "3", "previous_version", "1", "reason",
                    "promotion"));
            putJson(ObjectKeys.champion("vessels"), Map.of("version", "2", "reason", "seed"));
            given().when().post("/api/scans/" + id + "/resegment")
                    .then().statusCode(202)
                    .header("Location", endsWith("/api/scans/" + id))
                    .body("id", equalTo(id))
                    .body("tasks.liver.from", equalTo("1"))
                    .body("tasks.liver.to", equalTo("3"))
                    .body("tasks.vessels.from", org.hamcrest.Matchers.nullValue())
                    .body("tasks.vessels.to", equalTo("2"));
            ConsumerRecord<String, byte[]> again = awaitKey(EventType.SCAN_RECEIVED.topic(), id, 2).stream()
                    .filter(r -> !(id + ":received").equals(header(r, "ce_id"))).findFirst().orElseThrow();
            assertThat(header(again, "ce_id")).isEqualTo(id + ":received:resegment:liver=3:vessels=2");
            assertThat(ScanReceived.parseFrom(again.value())).isEqualTo(first);
            // the old masks stay until the new ones replace them
            given().when().get("/api/scans/" + id).then().statusCode(200).body("status", equalTo("mask_ready"));

            store.put(ObjectKeys.failure(id), "{\"reason\":\"inference failed\",\"stage\":\"inference\"}"
                    .getBytes(StandardCharsets.UTF_8), "application/json");
            Response failed = given().post("/api/scans/" + id + "/resegment");
            problem(failed, 409, null, null);
            assertThat(failed.asString()).contains("/retry");
        } finally {
            store.delete(ObjectKeys.champion("liver"));
            store.delete(ObjectKeys.champion("vessels"));
        }
        problem(given().post("/api/scans/" + "0".repeat(64) + "/resegment"), 404, null, null);
        problem(given().post("/api/scans/not-a-scan-id/resegment"), 404, null, null);
    }

    /** The objects of a finished task as inference leaves them: plan, marker, mask and report. */
    private void finishedTask(String id, String task) throws IOException {
        putJson(ObjectKeys.batchPlan(id, task, "1"), Map.of("scan_id", id, "task", task, "model_version", "1",
                "batch_count", 1));
        putJson(ObjectKeys.maskReadyMarker(id, task, "1"), Map.of("ce_id", id + ":" + task + ":1:mask"));
        store.put(ObjectKeys.mask(id, task), new byte[] {0x1f, (byte) 0x8b}, "application/gzip");
        putJson(ObjectKeys.report(id, task), Map.of("scan_id", id, "task", task, "model_version", "1"));
    }

    private List<String> everythingOf(String id) {
        List<String> keys = new ArrayList<>(store.list(ObjectKeys.scanPrefix(id)));
        keys.addAll(store.list(ObjectKeys.WORK + id + "/"));
        keys.addAll(store.list(ObjectKeys.MASKS + id + "/"));
        return keys;
    }

    @Test
    void aDeletedScanLeavesNothingInTheBucketIsAnnouncedAndCanBeUploadedAgain() throws Exception {
        MetricsScrape before = metrics();
        Phantoms.Files2 p = Phantoms.write(dir.resolve("delete"), 121, 64, 32, true);
        String id = sha256(p.imageBytes());
        given().multiPart("image", "delete-me.nii.gz", p.imageBytes(), "application/gzip")
                .multiPart("label", "delete-me-label.nii.gz", p.labelBytes(), "application/gzip")
                .when().post("/api/scans")
                .then().statusCode(202);
        awaitKey(EventType.SCAN_RECEIVED.topic(), id, 1);

        // still being processed: refused, nothing deleted, nothing announced
        Response busy = given().delete("/api/scans/" + id);
        problem(busy, 409, null, null);
        assertThat(busy.asString()).contains("being processed").contains("preprocessing");
        assertThat(store.exists(ObjectKeys.image(id, true))).isTrue();

        for (String task : List.of("liver", "vessels")) {
            finishedTask(id, task);
        }
        given().when().get("/api/scans/" + id).then().statusCode(200).body("status", equalTo("mask_ready"));
        List<String> stored = everythingOf(id);
        assertThat(stored).contains(ObjectKeys.image(id, true), ObjectKeys.label(id, true), ObjectKeys.scanRecord(id))
                .hasSize(3 + 2 * 4);

        given().when().delete("/api/scans/" + id)
                .then().statusCode(200)
                .body("id", equalTo(id))
                .body("status", equalTo("deleted"))
                .body("objects_deleted", equalTo(stored.size()));

        assertThat(everythingOf(id)).isEmpty();
        ConsumerRecord<String, byte[]> event = awaitKey(EventType.SCAN_DELETED.topic(), id, 1).get(0);
        ScanDeleted deleted = ScanDeleted.parseFrom(event.value());
        assertThat(deleted.getScanId()).isEqualTo(id);
        assertThat(deleted.getLabelTask()).isEqualTo("liver");
        assertThat(header(event, "ce_type")).isEqualTo(EventType.SCAN_DELETED.ceType());
        assertThat(header(event, "ce_id")).startsWith(id + ":deleted:");
        problem(given().get("/api/scans/" + id), 404, null, null);
        problem(given().delete("/api/scans/" + id), 404, null, null);
        problem(given().delete("/api/scans/not-a-scan-id"), 404, null, null);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(metrics().value(DELETED) - before.value(DELETED)).isEqualTo(1.0));

        // the same bytes again are a new scan, not a duplicate
        given().contentType("application/octet-stream").queryParam("name", "delete-me.nii.gz").body(p.imageBytes())
                .when().post("/api/scans")
                .then().statusCode(202)
                .body("duplicate", equalTo(false));
        assertThat(recordsWithKey(EventType.SCAN_RECEIVED.topic(), id)).hasSize(2);
    }

    /** The incoming/ object a scan came from goes with it, unless an exporter has since put other bytes there. */
    @Test
    void deletingABucketScanDeletesItsIncomingObjectOnlyWhileItHoldsTheScan() throws Exception {
        Phantoms.Files2 a = Phantoms.write(dir.resolve("delete-incoming-a"), 122, 64, 32, true);
        Phantoms.Files2 b = Phantoms.write(dir.resolve("delete-incoming-b"), 123, 64, 32, true);
        String idA = sha256(a.imageBytes());
        String idB = sha256(b.imageBytes());
        String keyA = "incoming/delete-122.nii.gz";
        String keyB = "incoming/delete-123.nii.gz";
        store.put(keyA, a.imageBytes(), "application/gzip");
        store.put(keyB, b.imageBytes(), "application/gzip");
        publishNotification(keyA, a.imageBytes().length);
        publishNotification(keyB, b.imageBytes().length);
        awaitKey(EventType.SCAN_RECEIVED.topic(), idA, 1);
        awaitKey(EventType.SCAN_RECEIVED.topic(), idB, 1);
        assertThat(JSON.readTree(store.get(ObjectKeys.scanRecord(idA)).orElseThrow()).get("source_key").asText())
                .isEqualTo(keyA);
        finishedTask(idA, "liver");
        // a failed scan may be deleted too
        putJson(ObjectKeys.failure(idB), Map.of("scan_id", idB, "stage", "preprocess", "reason", "test"));
        byte[] newer = a.labelBytes();
        store.put(keyB, newer, "application/gzip");

        given().when().delete("/api/scans/" + idA).then().statusCode(200)
                .body("objects_deleted", equalTo(2 + 4 + 1)); // image, scan.json; the task's four; incoming
        given().when().delete("/api/scans/" + idB).then().statusCode(200)
                .body("objects_deleted", equalTo(3)); // image, scan.json, failed.json

        assertThat(store.exists(keyA)).isFalse();
        assertThat(store.get(keyB)).hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(newer));
        assertThat(everythingOf(idA)).isEmpty();
        assertThat(everythingOf(idB)).isEmpty();
        assertThat(ScanDeleted.parseFrom(awaitKey(EventType.SCAN_DELETED.topic(), idB, 1).get(0).value())
                .getLabelTask()).isEmpty();
    }

    @Test
    void statusMasksAndReportsComeFromTheBucketAlone() throws Exception {
        // A scan whose objects were written straight to S3 (as if by an earlier instance of the service).
        String id = sha256("status walk".getBytes(StandardCharsets.UTF_8));
        Map<String, Object> record = new HashMap<>();
        record.put("scan_id", id);
        record.put("file_name", "walk.nii.gz");
        record.put("size_bytes", 123);
        record.put("image_key", ObjectKeys.image(id, true));
        record.put("label_key", ObjectKeys.label(id, true));
        record.put("source", "upload");
        record.put("received_at", "2025-11-26T10:00:00Z");
        record.put("metadata", Map.of());
        putJson(ObjectKeys.scanRecord(id), record);

        given().when().get("/api/scans/" + id).then().statusCode(200)
                .body("id", equalTo(id))
                .body("status", equalTo("preprocessing"))
                .body("received_at", equalTo("2025-11-26T10:00:00Z"))
                .body("tasks.liver.status", equalTo("pending"))
                .body("tasks.vessels.status", equalTo("pending"));
        problem(given().get("/api/scans/" + id + "/mask"), 404, null, null);
        problem(given().get("/api/scans/" + id + "/report"), 404, null, null);

        putJson(ObjectKeys.batchPlan(id, "liver", "1"), Map.of("scan_id", id, "task", "liver", "model_version", "1",
                "batch_count", 3, "total_slices", 70, "batch_size", 32));
        given().when().get("/api/scans/" + id).then().statusCode(200)
                .body("status", equalTo("inferring"))
                .body("progress", equalTo("0 of 3 batches inferred"))
                .body("tasks.liver.batch_count", equalTo(3))
                .body("tasks.liver.model_version", equalTo("1"));

        store.put(ObjectKeys.part(id, "liver", "1", 0), new byte[] {1}, "application/octet-stream");
        store.put(ObjectKeys.part(id, "liver", "1", 1), new byte[] {1}, "application/octet-stream");
        given().when().get("/api/scans/" + id).then().statusCode(200)
                .body("status", equalTo("inferring"))
                .body("batches_done", equalTo(2))
                .body("tasks.liver.batches_done", equalTo(2));

        store.put(ObjectKeys.part(id, "liver", "1", 2), new byte[] {1}, "application/octet-stream");
        byte[] mask = {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3, 4};
        store.put(ObjectKeys.mask(id, "liver"), mask, "application/gzip");
        putJson(ObjectKeys.report(id, "liver"), Map.of("scan_id", id, "task", "liver", "model_version", "1",
                "volumes", List.of(Map.of("label", 1, "name", "liver", "voxels", 1000, "volume_ml", 1.5)),
                "dice", Map.of("liver", 0.95), "timings_ms", Map.of("upload_to_mask", 4200)));
        given().when().get("/api/scans/" + id).then().statusCode(200)
                .body("status", equalTo("mask_ready"))
                .body("tasks.liver.status", equalTo("mask_ready"))
                .body("tasks.vessels.status", equalTo("pending"));

        Response m = given().get("/api/scans/" + id + "/mask");
        assertThat(m.statusCode()).isEqualTo(200);
        assertThat(m.contentType()).startsWith("application/gzip");
        assertThat(m.header("Content-Disposition")).contains("filename=").contains("liver").endsWith(".nii.gz\"");
        assertThat(m.asByteArray()).isEqualTo(mask);
        problem(given().queryParam("task", "vessels").get("/api/scans/" + id + "/mask"), 404, null, null);
        problem(given().queryParam("task", "spleen").get("/api/scans/" + id + "/mask"), 400, null, "task");

        given().when().get("/api/scans/" + id + "/report").then().statusCode(200)
                .body("scan_id", equalTo(id))
                .body("tasks.liver.model_version", equalTo("1"))
                .body("tasks.liver.dice.liver", equalTo(0.95f))
                .body("tasks.liver.timings_ms.upload_to_mask", equalTo(4200));

        problem(given().get("/api/scans/" + "0".repeat(64)), 404, null, null);
        problem(given().get("/api/scans/not-a-scan-id"), 404, null, null);
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void theScanListShowsUploadsNewestFirstWithTheirStatusAPageAtATime() throws Exception {
        byte[] olderBytes = Phantoms.write(dir.resolve("list-a"), 121, 64, 24, true).imageBytes();
        String older = sha256(olderBytes);
        given().contentType("application/octet-stream").queryParam("name", "list-a.nii.gz").body(olderBytes)
                .when().post("/api/scans").then().statusCode(202);
        byte[] newerBytes = Phantoms.write(dir.resolve("list-b"), 122, 64, 24, true).imageBytes();
        String newer = sha256(newerBytes);
        given().contentType("application/octet-stream").queryParam("name", "list-b.nii.gz").body(newerBytes)
                .when().post("/api/scans").then().statusCode(202);
        // a scan refused from the bucket is known by its failed.json alone
        String refused = sha256("listed refusal".getBytes(StandardCharsets.UTF_8));
        putJson(ObjectKeys.failure(refused), Map.of("scan_id", refused, "stage", "ingest",
                "reason", "incoming/x.nii.gz: not a NIfTI file"));

        // every scan of the bucket (other tests' too), one at a time through the cursors
        List<JsonNode> all = new ArrayList<>();
        String cursor = null;
        do {
            var request = given().queryParam("limit", 1);
            if (cursor != null) {
                request = request.queryParam("cursor", cursor);
            }
            JsonNode page = JSON.readTree(request.get("/api/scans").then().statusCode(200).extract().asByteArray());
            assertThat(page.get("scans").size()).isLessThanOrEqualTo(1);
            page.get("scans").forEach(all::add);
            cursor = page.path("next").isTextual() ? page.get("next").asText() : null;
        } while (cursor != null);
        List<String> ids = all.stream().map(n -> n.get("id").asText()).toList();
        assertThat(ids).doesNotHaveDuplicates().contains(older, newer, refused);
        assertThat(all).extracting(n -> java.time.Instant.parse(n.get("stored_at").asText()))
                .isSortedAccordingTo(java.util.Comparator.reverseOrder());
        JsonNode b = all.get(ids.indexOf(newer));
        assertThat(b.get("file_name").asText()).isEqualTo("list-b.nii.gz");
        assertThat(b.get("status").asText()).isIn("preprocessing", "inferring", "mask_ready");
        assertThat(b.get("tasks").has("liver")).isTrue();
        if (!b.get("stored_at").asText().equals(all.get(ids.indexOf(older)).get("stored_at").asText())) {
            assertThat(ids.indexOf(newer)).isLessThan(ids.indexOf(older));
        }
        // the first page in one go is the same order
        JsonNode whole = JSON.readTree(given().queryParam("limit", 200).get("/api/scans").then().statusCode(200)
                .extract().asByteArray());
        assertThat(whole.get("scans")).extracting(n -> n.get("id").asText()).containsExactlyElementsOf(ids);

        JsonNode failed = JSON.readTree(given().queryParam("status", "failed").queryParam("limit", 200)
                .get("/api/scans").then().statusCode(200).extract().asByteArray());
        assertThat(failed.get("scans")).extracting(n -> n.get("status").asText()).containsOnly("failed");
        assertThat(failed.get("scans")).extracting(n -> n.get("id").asText()).contains(refused)
                .doesNotContain(older, newer);

        problem(given().queryParam("status", "done").get("/api/scans"), 400, null, "status");
        problem(given().queryParam("limit", "0").get("/api/scans"), 400, null, "limit");
        problem(given().queryParam("limit", "ten").get("/api/scans"), 400, null, "limit");
        problem(given().queryParam("cursor", "page-2").get("/api/scans"), 400, null, "cursor");
    }

    // ---- helpers ----

    private static final String RECEIVED = "liverseg_scans_received_total";
    private static final String REFUSED = "liverseg_scans_refused_total";
    private static final String DELETED = "liverseg_scans_deleted_total";

    /** The service's /q/metrics as Prometheus scrapes it. */
    private static MetricsScrape metrics() {
        return MetricsScrape.parse(given().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    private void putJson(String key, Object value) throws IOException {
        store.put(key, JSON.writeValueAsBytes(value), "application/json");
    }

    private static void problem(Response r, int status, String file, String field) {
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/problem+json");
        JsonNode body;
        try {
            body = JSON.readTree(r.asByteArray());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.get("type").asText()).isNotBlank();
        assertThat(body.get("title").asText()).isNotBlank();
        assertThat(body.get("detail").asText()).isNotBlank();
        if (file != null) {
            assertThat(body.path("file").asText()).isEqualTo(file);
            assertThat(body.get("detail").asText()).contains(file);
        }
        if (field != null) {
            assertThat(body.path("field").asText()).isEqualTo(field);
        }
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ScanIngestIT.class.getResourceAsStream("/nifti-bad/" + name)) {
            return in.readAllBytes();
        }
    }

    private static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    /** MinIO's notify_kafka event for {@code key}, from the documented sample, published as MinIO does. */
    private static void publishNotification(String key, long size) throws Exception {
        String template;
        try (InputStream in = ScanIngestIT.class.getResourceAsStream("/notifications/minio-object-created.json")) {
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String event = template.replace("\"Key\":\"liverseg/incoming/ct one.nii.gz\"", "\"Key\":\"liverseg/" + key + "\"")
                .replace("\"key\":\"incoming%2Fct+one.nii.gz\"", "\"key\":\"" + URLEncoder.encode(key, StandardCharsets.UTF_8) + "\"")
                .replace("\"size\":162023", "\"size\":" + size);
        assertThat(event).contains(URLEncoder.encode(key, StandardCharsets.UTF_8));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(Topics.BUCKET_NOTIFICATIONS, "liverseg/" + key, event))
                    .get(30, TimeUnit.SECONDS);
        }
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static final List<String> OUR_TOPICS = List.of(EventType.SCAN_RECEIVED.topic(),
            EventType.LABELED_SCAN.topic(), EventType.SCAN_FAILED.topic(), EventType.SCAN_DELETED.topic());

    private static Map<TopicPartition, Long> endOffsets() {
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String t : OUR_TOPICS) {
                c.partitionsFor(t).forEach(p -> parts.add(new TopicPartition(t, p.partition())));
            }
            c.assign(parts);
            return new HashMap<>(c.endOffsets(parts));
        }
    }

    /** Every record of the topic up to its current end whose key is {@code key}. */
    private static List<ConsumerRecord<String, byte[]>> recordsWithKey(String topic, String key) {
        return readAll(topic, r -> key.equals(r.key()));
    }

    private static List<ConsumerRecord<String, byte[]>> readAll(String topic,
            java.util.function.Predicate<ConsumerRecord<String, byte[]>> filter) {
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (filter.test(r)) {
                        out.add(r);
                    }
                }
            }
            return out;
        }
    }

    private static List<ConsumerRecord<String, byte[]>> awaitKey(String topic, String key, int count) {
        return awaitMatching(topic, r -> key.equals(r.key()), count);
    }

    private static List<ConsumerRecord<String, byte[]>> awaitMatching(String topic,
            java.util.function.Predicate<ConsumerRecord<String, byte[]>> filter, int count) {
        List<List<ConsumerRecord<String, byte[]>>> found = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            List<ConsumerRecord<String, byte[]>> r = readAll(topic, filter);
            found.clear();
            found.add(r);
            return r.size() >= count;
        });
        assertThat(found.get(0)).hasSize(count);
        return found.get(0);
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
