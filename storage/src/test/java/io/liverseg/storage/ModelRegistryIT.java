package io.liverseg.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liverseg.localstack.LocalStack;
import io.liverseg.localstack.LocalStackExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The registry against a real S3 server; packages are stand-ins (the registry does not open weights). */
@ExtendWith(LocalStackExtension.class)
class ModelRegistryIT {
    private ObjectStore store;
    private ModelRegistry registry;

    @BeforeEach
    void setUp(LocalStack stack) {
        store = new ObjectStore(stack.s3Client(), "registry-it-" + UUID.randomUUID().toString().substring(0, 8));
        store.ensureBucket();
        registry = new ModelRegistry(store);
    }

    private static Path pkg(Path root, String version, String weights) throws IOException {
        Path dir = Files.createDirectories(root.resolve("pkg-" + version + "-" + weights.hashCode()));
        Files.writeString(dir.resolve("model.json"), "{\"name\":\"liver\",\"version\":\"" + version + "\",\"w\":\""
                + weights + "\"}");
        Files.writeString(dir.resolve("unet-0000.params"), weights);
        Files.createDirectories(dir.resolve("checkpoint"));
        Files.writeString(dir.resolve("checkpoint/state.json"), "{}");
        return dir;
    }

    @Test
    void seedPublishesAndPromotesOnlyOnce(@TempDir Path tmp) throws IOException {
        assertThat(registry.champion("liver")).isEmpty();

        ModelRegistry.Champion first = registry.seed("liver", pkg(tmp, "2", "w2"));
        ModelRegistry.Champion again = registry.seed("liver", pkg(tmp, "5", "w5"));

        assertThat(first.version()).isEqualTo("2");
        assertThat(first.reason()).isEqualTo("seed");
        assertThat(first.previousVersion()).isNull();
        assertThat(again).isEqualTo(first);
        assertThat(registry.versions("liver")).containsExactly("2");
        assertThat(store.list("models/liver/2/")).containsExactlyInAnyOrder("models/liver/2/model.json",
                "models/liver/2/unet-0000.params");
    }

    @Test
    void promoteRecordsThePreviousChampionAndRefusesUnknownVersions(@TempDir Path tmp) throws IOException {
        registry.publish("liver", pkg(tmp, "2", "a"));
        registry.publish("liver", pkg(tmp, "10", "b"));
        registry.promote("liver", "2", "seed");

        ModelRegistry.Champion c = registry.promote("liver", "10", "promotion");

        assertThat(c.previousVersion()).isEqualTo("2");
        assertThat(registry.champion("liver")).contains(c);
        assertThat(registry.versions("liver")).containsExactly("2", "10");
        assertThat(registry.manifest("liver", "10")).hasValueSatisfying(n -> assertThat(n.get("w").asText())
                .isEqualTo("b"));
        assertThatThrownBy(() -> registry.promote("liver", "11", "manual"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("11");
    }

    @Test
    void publishIsIdempotentButRefusesADifferentPackageUnderTheSameVersion(@TempDir Path tmp) throws IOException {
        Path p = pkg(tmp, "3", "x");
        assertThat(registry.publish("liver", p)).isEqualTo("3");
        assertThat(registry.publish("liver", p)).isEqualTo("3");

        assertThatThrownBy(() -> registry.publish("liver", pkg(tmp, "3", "y")))
                .isInstanceOf(IOException.class).hasMessageContaining("version 3");
    }

    @Test
    void fetchDownloadsAWholePackageOnceAndTellsWhatIsMissing(@TempDir Path tmp) throws IOException {
        registry.publish("liver", pkg(tmp, "4", "weights-4"));
        Path cache = tmp.resolve("cache");

        Path dir = registry.fetch("liver", "4", cache);
        store.delete("models/liver/4/unet-0000.params"); // a second fetch must not go back to S3
        Path again = registry.fetch("liver", "4", cache);

        assertThat(dir).isEqualTo(cache.resolve("liver/4")).isEqualTo(again);
        assertThat(Files.readString(dir.resolve("unet-0000.params"))).isEqualTo("weights-4");
        assertThat(dir.resolve("checkpoint")).doesNotExist();
        assertThat(cache.resolve("liver")).isDirectoryNotContaining(p -> p.getFileName().toString().contains("download"));
        assertThatThrownBy(() -> registry.fetch("liver", "9", cache))
                .isInstanceOf(IOException.class).hasMessageContaining("version 9");
    }

    @Test
    void statusesFollowPromotionsAndTheHistoryRecordsEachChange(@TempDir Path tmp) throws IOException {
        registry.seed("liver", pkg(tmp, "2", "a"));
        registry.publish("liver", pkg(tmp, "3", "b"));
        registry.publish("liver", pkg(tmp, "4", "c"));
        assertThat(registry.nextVersion("liver")).isEqualTo("5");
        assertThat(registry.nextVersion("vessels")).isEqualTo("1");

        registry.mark("liver", "3", ModelRegistry.CANDIDATE, "trained by run r1", Map.of("validation_dice_liver", 0.8));
        registry.mark("liver", "4", ModelRegistry.REJECTED, "0.70 does not beat 0.90", Map.of("candidate_dice", 0.7));
        assertThat(registry.statuses("liver")).extracting(ModelRegistry.VersionStatus::version,
                ModelRegistry.VersionStatus::status).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("2", "champion"),
                        org.assertj.core.groups.Tuple.tuple("3", "candidate"),
                        org.assertj.core.groups.Tuple.tuple("4", "rejected"));

        registry.promote("liver", "3", "promotion", "beats 2 by 0.1", Map.of("candidate_dice", 0.9));
        assertThat(registry.status("liver", "3")).hasValueSatisfying(v -> {
            assertThat(v.status()).isEqualTo("champion");
            assertThat(v.metrics()).containsEntry("validation_dice_liver", 0.8).containsEntry("candidate_dice", 0.9);
            assertThat(v.reason()).contains("promotion").contains("beats 2");
        });
        assertThat(registry.status("liver", "2").orElseThrow().status()).isEqualTo("retired");

        ModelRegistry.Champion back = registry.promote("liver", "2", "rollback", "bad masks at site A", null);
        assertThat(back.previousVersion()).isEqualTo("3");
        assertThat(registry.status("liver", "2").orElseThrow().status()).isEqualTo("champion");
        assertThat(registry.status("liver", "3").orElseThrow().status()).isEqualTo("retired");
        assertThat(registry.status("liver", "9")).isEmpty();

        assertThat(registry.history("liver")).extracting(ModelRegistry.HistoryEntry::version,
                ModelRegistry.HistoryEntry::previousVersion, ModelRegistry.HistoryEntry::reason).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("2", null, "seed"),
                        org.assertj.core.groups.Tuple.tuple("3", "2", "promotion"),
                        org.assertj.core.groups.Tuple.tuple("2", "3", "rollback"));
        assertThat(registry.history("liver").get(2).note()).isEqualTo("bad masks at site A");
        assertThat(registry.history("liver").get(1).metrics()).containsEntry("candidate_dice", 0.9);
    }

    @Test
    void theChampionCannotBeMarkedAndChampionJsonDecidesWhoServes(@TempDir Path tmp) throws IOException {
        registry.seed("liver", pkg(tmp, "1", "a"));
        registry.publish("liver", pkg(tmp, "2", "b"));
        assertThatThrownBy(() -> registry.mark("liver", "1", ModelRegistry.REJECTED, "no", null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("champion");
        assertThatThrownBy(() -> registry.mark("liver", "2", ModelRegistry.CHAMPION, "no", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("promote");
        assertThatThrownBy(() -> registry.mark("liver", "7", ModelRegistry.REJECTED, "no", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version 7");
        // a crash after the switch but before the records: champion.json wins, the stale record reads as retired
        store.put("models/liver/champion.json", "{\"version\":\"2\",\"previous_version\":\"1\",\"reason\":\"manual\"}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8), "application/json");
        assertThat(registry.statuses("liver")).extracting(ModelRegistry.VersionStatus::status)
                .containsExactly("retired", "champion");
    }

    @Test
    void seedAllSeedsEachPackageFolderOnceAndNamesTheVesselTaskVessels(@TempDir Path tmp) throws IOException {
        Path models = Files.createDirectories(tmp.resolve("models"));
        Files.move(pkg(tmp, "2", "liver-w"), models.resolve("liver"));
        Files.move(pkg(tmp, "1", "vessel-w"), models.resolve("vessel"));
        Files.createDirectories(models.resolve("not-a-package"));

        var champions = registry.seedAll(models);
        var again = registry.seedAll(models);

        assertThat(champions).containsOnlyKeys("liver", "vessels");
        assertThat(champions.get("liver").version()).isEqualTo("2");
        assertThat(champions.get("vessels").version()).isEqualTo("1");
        assertThat(again).isEqualTo(champions);
        assertThat(registry.seedAll(tmp.resolve("absent"))).isEmpty();
    }

    @Test
    void registrySeedingCreatesTheBucketAndSeedsEveryPackageFolderOnce(LocalStack stack, @TempDir Path tmp)
            throws IOException {
        ObjectStore fresh = new ObjectStore(stack.s3Client(), "seeding-it-" + UUID.randomUUID().toString().substring(0, 8));
        ModelRegistry freshRegistry = new ModelRegistry(fresh);
        Path models = Files.createDirectories(tmp.resolve("models"));
        Files.move(pkg(tmp, "3", "l3"), models.resolve("liver"));
        Files.move(pkg(tmp, "1", "v1"), models.resolve("vessel"));
        Files.createDirectories(models.resolve("not-a-package"));
        java.util.List<String> log = new java.util.ArrayList<>();
        RegistrySeeding seeding = new RegistrySeeding(fresh, freshRegistry, java.util.Optional.of(models), log::add);

        assertThat(seeding.tryEnsureReady()).isEmpty();
        assertThat(seeding.isReady()).isTrue();
        assertThat(freshRegistry.champion("liver").orElseThrow().version()).isEqualTo("3");
        assertThat(freshRegistry.champion("vessels").orElseThrow().version()).isEqualTo("1");
        assertThat(log).hasSize(2).anySatisfy(l -> assertThat(l).contains("task liver champion version 3"));

        // once per process: a second call neither seeds nor logs, even if the folder changed meanwhile
        Files.writeString(models.resolve("liver/model.json"), "{\"name\":\"liver\",\"version\":\"9\"}");
        seeding.ensureReady();
        assertThat(log).hasSize(2);
        assertThat(freshRegistry.versions("liver")).containsExactly("3");

        List<String> missing = new java.util.ArrayList<>();
        new RegistrySeeding(fresh, freshRegistry, java.util.Optional.of(tmp.resolve("nope")), missing::add).ensureReady();
        assertThat(missing).singleElement().asString().contains("is not a directory");
    }

    @Test
    void seedingThatCannotReachS3ReportsTheFailureAndStaysNotReady(@TempDir Path tmp) throws IOException {
        // nothing listens on port 1: the connection is refused at once, and not tried again (ObjectStoreRetryIT
        // covers the retries)
        ObjectStore unreachable = new ObjectStore(io.minio.MinioClient.builder().endpoint("http://127.0.0.1:1")
                .credentials("x", "y").build(), "nowhere").withRetryWindow(java.time.Duration.ZERO);
        RegistrySeeding seeding = new RegistrySeeding(unreachable, new ModelRegistry(unreachable),
                java.util.Optional.of(tmp), line -> { });
        assertThat(seeding.tryEnsureReady()).get().asString().contains("nowhere");
        assertThat(seeding.isReady()).isFalse();
    }
}
