package io.liverseg.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liverseg.localstack.LocalStack;
import io.liverseg.localstack.LocalStackExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
