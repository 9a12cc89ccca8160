package io.liverseg.training;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.dataset.DatasetFingerprint;
import io.liverseg.imaging.nifti.NiftiWriter;
import io.liverseg.imaging.phantom.PhantomCase;
import io.liverseg.imaging.phantom.PhantomGenerator;
import io.liverseg.imaging.phantom.PhantomOptions;
import io.liverseg.localstack.LocalStackResource;
import io.liverseg.localstack.MetricsScrape;
import io.liverseg.localstack.TopicProbe;
import io.liverseg.proto.EventType;
import io.liverseg.proto.Topics;
import io.liverseg.proto.events.v1.LabeledScan;
import io.liverseg.proto.events.v1.ModelPromoted;
import io.liverseg.proto.events.v1.ScanDeleted;
import io.liverseg.proto.events.v1.TrainingProgress;
import io.liverseg.proto.events.v1.TrainingRunFinished;
import io.liverseg.storage.ModelRegistry;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * training-service on the real broker and S3 server with the repository's liver package as champion (seeded
 * from models/; its version is read from there). Labelled 64×64×24 phantoms go in as LabeledScan events; the test profile trains a tiny
 * network (1 epoch, base 4, 64², 8 slices) so a run takes seconds. The tests build on each other, in order.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackResource.class, initArgs = {
        @ResourceArg(name = LocalStackResource.BUCKETS, value = "liverseg"),
        @ResourceArg(name = LocalStackResource.TOPICS, value = "liverseg.scans.labeled:2,liverseg.scans.deleted:2,"
                + "liverseg.training.progress,"
                + "liverseg.training.finished,liverseg.models.promoted,liverseg.dead-letter")})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainingServiceIT {
    private static final Duration RUN = Duration.ofMinutes(6);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path dir;
    private static TopicProbe kafka;
    private static final List<String> GOOD = new ArrayList<>();
    private static String mismatched;
    /** The seeded champion (models/liver), the candidate the first run makes and the one the second run's is. */
    private static String bootVersion;
    private static String candidateVersion;
    private static String rejectedVersion;

    @Inject
    ObjectStore store;

    @Inject
    ModelRegistry registry;

    @Inject
    Runs runs;

    @Inject
    RunStore runStore;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @BeforeAll
    static void tempDir() throws IOException {
        dir = Files.createTempDirectory("training-it-");
        bootVersion = ModelRegistry.packageVersion(Path.of(System.getProperty("liverseg.registry.seed-dir")).resolve("liver"));
        candidateVersion = String.valueOf(Integer.parseInt(bootVersion) + 1);
        rejectedVersion = String.valueOf(Integer.parseInt(bootVersion) + 2);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (kafka != null) {
            kafka.close();
        }
        try (var s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private TopicProbe kafka() {
        if (kafka == null) {
            kafka = new TopicProbe(bootstrap, EventType.TRAINING_PROGRESS.topic(), EventType.TRAINING_RUN_FINISHED.topic(),
                    EventType.MODEL_PROMOTED.topic(), Topics.DEAD_LETTER);
        }
        return kafka;
    }

    private static PhantomCase phantom(long seed, int slices) {
        return new PhantomGenerator(PhantomOptions.defaults().withSize(64).withSlices(slices, slices).withSeed(seed))
                .generate(0);
    }

    /** Stores a scan as ingest does (id = SHA-256 of the image bytes) with a label; returns the scan id. */
    private String storeScan(Volume image, Volume label, String name) throws Exception {
        Path imageFile = dir.resolve(name + "-image.nii.gz");
        Path labelFile = dir.resolve(name + "-label.nii.gz");
        NiftiWriter.write(image, imageFile);
        NiftiWriter.write(label, labelFile);
        String id = DatasetFingerprint.fileHash(imageFile);
        store.putFile(ObjectKeys.image(id, true), imageFile, "application/gzip");
        store.putFile(ObjectKeys.label(id, true), labelFile, "application/gzip");
        return id;
    }

    private void publishLabeled(String id, String source) throws Exception {
        LabeledScan e = LabeledScan.newBuilder().setScanId(id).setBucket("liverseg")
                .setImageKey(ObjectKeys.image(id, true)).setLabelKey(ObjectKeys.label(id, true)).setSource(source)
                .build();
        kafka().publish(EventType.LABELED_SCAN.topic(), id, EventType.LABELED_SCAN.ceType(), id + ":labeled:" + source,
                e.toByteArray());
    }

    private static JsonNode getJson(String path) throws IOException {
        return JSON.readTree(given().when().get(path).then().statusCode(200).extract().asString());
    }

    private static <T> List<T> parse(List<ConsumerRecord<String, byte[]>> records, Parser<T> parser) {
        return records.stream().map(r -> {
            try {
                return parser.parse(r.value());
            } catch (InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
        }).toList();
    }

    private interface Parser<T> {
        T parse(byte[] b) throws InvalidProtocolBufferException;
    }

    private RunRecord awaitFinished(String id) {
        await().atMost(RUN).pollInterval(Duration.ofSeconds(1)).until(() -> runStore.get(id).map(RunRecord::finished)
                .orElse(false));
        return runStore.get(id).orElseThrow();
    }

    @Test
    @Order(1)
    void labelledScansBuildTheDatasetTriggerARunAndTheCandidateIsEvaluatedAndPromoted() throws Exception {
        PhantomCase a = phantom(14, 24);
        mismatched = storeScan(a.image(), phantom(15, 20).label(), "mismatch");
        publishLabeled(mismatched, "upload");
        for (long seed = 11; seed <= 13; seed++) {
            PhantomCase p = phantom(seed, 24);
            String id = storeScan(p.image(), p.label(), "case" + seed);
            GOOD.add(id);
            publishLabeled(id, "upload");
        }
        publishLabeled(GOOD.get(0), "upload"); // a redelivery changes nothing

        // The label on another grid is refused with its reason, in the manifest and on the dead-letter topic.
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(kafka().records(Topics.DEAD_LETTER))
                .anySatisfy(r -> {
                    assertThat(r.key()).isEqualTo(mismatched);
                    assertThat(TopicProbe.header(r, "dead-letter-reason")).contains("dims").contains("[64, 64, 20]");
                }));
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(Json.read(store.get(
                ObjectKeys.datasetManifest("liver")).orElseThrow(), DatasetManifest.class).cases())
                .extracting(DatasetManifest.Case::name).containsExactlyInAnyOrderElementsOf(GOOD));
        DatasetManifest manifest = Json.read(store.get(ObjectKeys.datasetManifest("liver")).orElseThrow(),
                DatasetManifest.class);
        assertThat(manifest.lastSeq()).isEqualTo(3);
        assertThat(manifest.refused()).singleElement().satisfies(r -> {
            assertThat(r.scanId()).isEqualTo(mismatched);
            assertThat(r.field()).isEqualTo("dim");
        });
        assertThat(manifest.cases()).allSatisfy(c -> assertThat(c.split())
                .isEqualTo(DatasetManifest.splitOf(c.name())));

        // Three new cases (the test profile's trigger-new-cases) queue a run.
        await().atMost(Duration.ofMinutes(1)).until(() -> runStore.list().stream()
                .anyMatch(r -> "new-cases".equals(r.trigger())));
        RunRecord queued = runStore.list().stream().filter(r -> "new-cases".equals(r.trigger())).findFirst().orElseThrow();
        RunRecord run = awaitFinished(queued.id());
        assertThat(run.status()).as(run.reason()).isEqualTo(RunRecord.SUCCEEDED);
        assertThat(run.dataset().cases()).isEqualTo(3);
        assertThat(run.dataset().fingerprint()).isEqualTo(manifest.fingerprint());
        assertThat(run.dataset().trainingCases()).isNotEmpty();
        assertThat(run.dataset().validationCases()).isNotEmpty().doesNotContainAnyElementsOf(run.dataset().trainingCases());
        assertThat(run.epochs()).singleElement().satisfies(e -> assertThat(e).containsKeys("loss", "validation_dice"));
        assertThat(run.progress().epoch()).isEqualTo(1);
        assertThat(run.progress().validationDice()).containsKeys("liver", "tumour");
        assertThat(run.modelVersion()).isEqualTo(candidateVersion);
        assertThat(run.parentVersion()).isEqualTo(bootVersion);
        RunRecord.Evaluation ev = run.evaluation();
        assertThat(ev.cases()).isEqualTo(run.dataset().validationCases());
        assertThat(ev.candidate().version()).isEqualTo(candidateVersion);
        assertThat(ev.champion().version()).isEqualTo(bootVersion);
        assertThat(ev.candidate().perCase()).extracting(RunRecord.CaseScore::name).isEqualTo(ev.cases());
        assertThat(ev.champion().perCase()).extracting(RunRecord.CaseScore::name).isEqualTo(ev.cases());
        assertThat(ev.candidate().meanForegroundDice()).isBetween(0.0, 1.0);
        assertThat(ev.decision()).isEqualTo("promoted");
        assertThat(ev.margin()).isEqualTo(-2.0);

        // The registry: the candidate with its lineage is the champion, the bootstrap version retired.
        assertThat(registry.champion("liver").orElseThrow().version()).isEqualTo(candidateVersion);
        assertThat(registry.status("liver", bootVersion).orElseThrow().status()).isEqualTo(ModelRegistry.RETIRED);
        ModelRegistry.VersionStatus v3 = registry.status("liver", candidateVersion).orElseThrow();
        assertThat(v3.status()).isEqualTo(ModelRegistry.CHAMPION);
        assertThat(v3.metrics()).containsKeys("validation_mean_foreground_dice", "evaluation_mean_foreground_dice",
                "champion_mean_foreground_dice");
        JsonNode model = registry.manifest("liver", candidateVersion).orElseThrow();
        assertThat(model.path("parent_version").asText()).isEqualTo(bootVersion);
        assertThat(model.path("training").path("dataset_fingerprint").asText()).isEqualTo(manifest.fingerprint());
        assertThat(model.path("training").path("config").path("epochs").asInt()).isEqualTo(1);
        assertThat(model.path("training").path("config").path("run_id").asText()).isEqualTo(run.id());
        assertThat(model.path("architecture").path("base_features").asInt()).isEqualTo(4);
        assertThat(model.path("preprocessing").path("target_size").asInt()).isEqualTo(64);

        // Events: progress while it ran, the end with the decision, the promotion.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<TrainingProgress> progress = parse(kafka().records(EventType.TRAINING_PROGRESS.topic()),
                    TrainingProgress::parseFrom).stream().filter(p -> p.getRunId().equals(run.id())).toList();
            assertThat(progress).extracting(TrainingProgress::getStatus).contains("running", "succeeded");
            assertThat(progress).anySatisfy(p -> assertThat(p.getValidationDiceMap()).containsKey("liver"));
            assertThat(parse(kafka().records(EventType.TRAINING_RUN_FINISHED.topic()), TrainingRunFinished::parseFrom))
                    .anySatisfy(f -> {
                        assertThat(f.getRunId()).isEqualTo(run.id());
                        assertThat(f.getDecision()).isEqualTo("promoted");
                        assertThat(f.getModelVersion()).isEqualTo(candidateVersion);
                    });
            assertThat(parse(kafka().records(EventType.MODEL_PROMOTED.topic()), ModelPromoted::parseFrom))
                    .anySatisfy(m -> {
                        assertThat(m.getVersion()).isEqualTo(candidateVersion);
                        assertThat(m.getPreviousVersion()).isEqualTo(bootVersion);
                        assertThat(m.getReason()).isEqualTo("promotion");
                        assertThat(m.getPackagePrefix()).isEqualTo("models/liver/" + candidateVersion + "/");
                        assertThat(m.getMetricsMap()).containsKey("evaluation_mean_foreground_dice");
                    });
        });

        // The REST view.
        JsonNode r = getJson("/api/training/runs/" + run.id());
        assertThat(r.path("status").asText()).isEqualTo("succeeded");
        assertThat(r.path("progress").path("validation_dice").has("liver")).isTrue();
        assertThat(r.path("evaluation").path("decision").asText()).isEqualTo("promoted");
        JsonNode models = getJson("/api/models");
        assertThat(models.path("champion").asText()).isEqualTo(candidateVersion);
        assertThat(models.path("versions").findValuesAsText("status")).containsExactly("retired", "champion");
        JsonNode dataset = getJson("/api/training/dataset?task=liver");
        assertThat(dataset.path("cases")).hasSize(3);
        assertThat(dataset.path("fingerprint").asText()).isEqualTo(manifest.fingerprint());
    }

    @Test
    @Order(2)
    void aCandidateThatDoesNotBeatTheChampionByTheMarginIsRejectedWithTheNumbers() throws Exception {
        String id = given().contentType(ContentType.JSON).body("{\"promotionMargin\": 2, \"epochs\": 1, \"seed\": 7}")
                .when().post("/api/training/runs")
                .then().statusCode(202)
                .extract().path("id");
        RunRecord run = awaitFinished(id);
        assertThat(run.status()).as(run.reason()).isEqualTo(RunRecord.SUCCEEDED);
        assertThat(run.trigger()).isEqualTo("api");
        assertThat(run.modelVersion()).isEqualTo(rejectedVersion);
        assertThat(run.parentVersion()).isEqualTo(candidateVersion);
        assertThat(run.evaluation().decision()).isEqualTo("rejected");
        assertThat(run.evaluation().champion().version()).isEqualTo(candidateVersion);
        assertThat(run.reason()).contains("rejected").contains("champion " + candidateVersion).contains("margin +2.0000");
        assertThat(registry.champion("liver").orElseThrow().version()).isEqualTo(candidateVersion);
        ModelRegistry.VersionStatus v4 = registry.status("liver", rejectedVersion).orElseThrow();
        assertThat(v4.status()).isEqualTo(ModelRegistry.REJECTED);
        assertThat(v4.reason()).contains(id).contains("rejected");
        assertThat(v4.metrics()).containsEntry("promotion_margin", 2.0);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(parse(kafka().records(
                EventType.TRAINING_RUN_FINISHED.topic()), TrainingRunFinished::parseFrom)).anySatisfy(f -> {
                    assertThat(f.getRunId()).isEqualTo(id);
                    assertThat(f.getDecision()).isEqualTo("rejected");
                    assertThat(f.getChampionDice()).isEqualTo(run.evaluation().champion().meanForegroundDice());
                }));
        // no ModelPromoted for a rejected candidate
        assertThat(parse(kafka().records(EventType.MODEL_PROMOTED.topic()), ModelPromoted::parseFrom))
                .noneSatisfy(m -> assertThat(m.getVersion()).isEqualTo(rejectedVersion));
    }

    @Test
    @Order(3)
    void rollbackAndManualPromotionAreRecordedAndAnnounced() throws Exception {
        given().contentType(ContentType.JSON).body("{\"note\":\"masks too small at site A\"}")
                .when().post("/api/models/" + bootVersion + "/rollback")
                .then().statusCode(200);
        assertThat(registry.champion("liver").orElseThrow().version()).isEqualTo(bootVersion);
        JsonNode models = getJson("/api/models?task=liver");
        assertThat(models.path("versions").findValuesAsText("status"))
                .containsExactly("champion", "retired", "rejected");
        assertThat(models.path("history").findValuesAsText("reason")).containsExactly("seed", "promotion", "rollback");
        assertThat(models.path("history").get(2).path("note").asText()).isEqualTo("masks too small at site A");
        assertThat(models.path("history").get(2).path("previous_version").asText()).isEqualTo(candidateVersion);

        // a rollback goes back, never forward; unknown versions and the champion itself are refused
        given().when().post("/api/models/" + rejectedVersion + "/rollback").then().statusCode(409);
        given().when().post("/api/models/999/promote").then().statusCode(404);
        given().when().post("/api/models/" + bootVersion + "/promote").then().statusCode(409);
        given().when().post("/api/models/" + candidateVersion + "/promote?task=kidney").then().statusCode(400);

        given().when().post("/api/models/" + candidateVersion + "/promote").then().statusCode(200);
        assertThat(registry.champion("liver").orElseThrow().version()).isEqualTo(candidateVersion);
        assertThat(registry.history("liver")).extracting(ModelRegistry.HistoryEntry::reason)
                .containsExactly("seed", "promotion", "rollback", "manual");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(parse(kafka().records(
                EventType.MODEL_PROMOTED.topic()), ModelPromoted::parseFrom)).extracting(ModelPromoted::getVersion,
                ModelPromoted::getReason).contains(org.assertj.core.groups.Tuple.tuple(bootVersion, "rollback"),
                org.assertj.core.groups.Tuple.tuple(candidateVersion, "manual")));

        // a radiologist's correction replaces the case's label (one changed case: below the trigger)
        String id = GOOD.get(1);
        PhantomCase p = phantom(12, 24);
        Volume corrected = p.label();
        byte[] voxels = corrected.voxels().byteArray();
        for (int i = 0; i < voxels.length; i++) {
            voxels[i] = voxels[i] == 2 ? 1 : voxels[i];
        }
        Path f = dir.resolve("corrected.nii.gz");
        NiftiWriter.write(corrected, f);
        store.putFile(ObjectKeys.label(id, true), f, "application/gzip");
        int runsBefore = runStore.list().size();
        publishLabeled(id, "correction");
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> {
            DatasetManifest m = Json.read(store.get(ObjectKeys.datasetManifest("liver")).orElseThrow(),
                    DatasetManifest.class);
            assertThat(m.find(id).orElseThrow().source()).isEqualTo("correction");
            assertThat(m.find(id).orElseThrow().labelSha256()).isEqualTo(DatasetFingerprint.fileHash(f));
            assertThat(m.lastSeq()).isEqualTo(4);
        });
        assertThat(runStore.list()).hasSize(runsBefore);
    }

    private static final String RUNS = "liverseg_training_runs_total";

    /** The service's /q/metrics as Prometheus scrapes it. */
    private static MetricsScrape metrics() {
        return MetricsScrape.parse(given().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    @Test
    @Order(4)
    void aRunThatCannotTrainSaysWhyAndRunsNeverOverlap() throws Exception {
        MetricsScrape before = metrics();
        String first = given().contentType(ContentType.JSON).body("{\"task\":\"vessels\"}")
                .when().post("/api/training/runs").then().statusCode(202).extract().path("id");
        String second = given().contentType(ContentType.JSON).body("{\"task\":\"vessels\", \"epochs\": 2}")
                .when().post("/api/training/runs").then().statusCode(202).extract().path("id");
        for (String id : List.of(first, second)) {
            RunRecord r = awaitFinished(id);
            assertThat(r.status()).isEqualTo(RunRecord.FAILED);
            assertThat(r.reason()).contains("vessels has 0 labelled case(s)").contains("at least 2");
        }
        given().contentType(ContentType.JSON).body("{\"epochs\": 0}").when().post("/api/training/runs")
                .then().statusCode(400).contentType(ApiProblem.MEDIA_TYPE)
                .body("field", org.hamcrest.Matchers.equalTo("epochs"));
        given().contentType(ContentType.JSON).body("{\"epoch\": 3}").when().post("/api/training/runs")
                .then().statusCode(400).body("field", org.hamcrest.Matchers.equalTo("epoch"));
        given().when().get("/api/training/runs/20000101-000000-000-0000").then().statusCode(404);
        JsonNode list = getJson("/api/training/runs?status=failed");
        assertThat(list.findValuesAsText("id")).contains(first, second);
        // counted once each, just after their records were written; the earlier tests' liver runs succeeded
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            MetricsScrape after = metrics();
            assertThat(after.value(RUNS, "task", "vessels", "status", "failed")
                    - before.value(RUNS, "task", "vessels", "status", "failed")).isEqualTo(2.0);
            assertThat(after.value(RUNS, "task", "liver", "status", "succeeded")).isGreaterThanOrEqualTo(2.0);
        });

        // one run at a time: no two runs' [started, finished] overlap
        List<RunRecord> all = runStore.list().stream().filter(r -> r.startedAt() != null)
                .sorted(Comparator.comparing(RunRecord::startedAt)).toList();
        assertThat(all).hasSizeGreaterThanOrEqualTo(4);
        for (int i = 1; i < all.size(); i++) {
            assertThat(Instant.parse(all.get(i).startedAt())).as(all.get(i).id())
                    .isAfterOrEqualTo(Instant.parse(all.get(i - 1).finishedAt()));
        }
    }

    @Test
    @Order(5)
    void aRunCutOffByAStopIsRecordedAsFailedOnStart() {
        RunRecord cut = RunRecord.queued("20000101-000000-000-abcd", "liver", "api", null, "2000-01-01T00:00:00Z",
                RunRequest.forTask("liver"), Map.of(), 0, 1).started("2000-01-01T00:00:01Z", 0, "2");
        runStore.save(cut);
        runs.recover();
        RunRecord after = Json.read(store.get(ObjectKeys.trainingRun(cut.id())).orElseThrow(), RunRecord.class);
        assertThat(after.status()).isEqualTo(RunRecord.FAILED);
        assertThat(after.reason()).contains("interrupted").contains("phase downloading");
    }
    @Test
    @Order(6)
    void aScanDeletedAtIngestLeavesTheDatasetWithItsRefusals() throws Exception {
        DatasetManifest before = Json.read(store.get(ObjectKeys.datasetManifest("liver")).orElseThrow(),
                DatasetManifest.class);
        assertThat(before.cases()).extracting(DatasetManifest.Case::name).contains(GOOD.get(0));
        assertThat(before.refused()).extracting(DatasetManifest.Refusal::scanId).contains(mismatched);
        for (String id : List.of(GOOD.get(0), mismatched, GOOD.get(0))) { // the last one a redelivery
            ScanDeleted e = ScanDeleted.newBuilder().setScanId(id).setLabelTask("liver")
                    .setDeletedAt(com.google.protobuf.util.Timestamps.fromMillis(System.currentTimeMillis())).build();
            kafka().publish(EventType.SCAN_DELETED.topic(), id, EventType.SCAN_DELETED.ceType(), id + ":deleted:1",
                    e.toByteArray());
        }

        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> {
            DatasetManifest m = Json.read(store.get(ObjectKeys.datasetManifest("liver")).orElseThrow(),
                    DatasetManifest.class);
            assertThat(m.cases()).extracting(DatasetManifest.Case::name)
                    .containsExactlyInAnyOrderElementsOf(before.cases().stream().map(DatasetManifest.Case::name)
                            .filter(n -> !n.equals(GOOD.get(0))).toList());
            assertThat(m.refused()).extracting(DatasetManifest.Refusal::scanId).doesNotContain(mismatched);
            assertThat(m.fingerprint()).isEqualTo(DatasetManifest.fingerprint(m.cases()))
                    .isNotEqualTo(before.fingerprint());
        });
        assertThat(kafka().records(Topics.DEAD_LETTER)).noneSatisfy(r -> assertThat(
                TopicProbe.header(r, "dead-letter-reason")).contains("ScanDeleted"));
    }
}
