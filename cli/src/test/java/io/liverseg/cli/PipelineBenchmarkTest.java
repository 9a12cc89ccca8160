package io.liverseg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineBenchmarkTest {
    @TempDir
    Path models;

    private void pkg(String folder) throws IOException {
        Files.writeString(Files.createDirectories(models.resolve(folder)).resolve("model.json"), "{}");
    }

    @Test
    void findsEachTasksPackageByTheRegistrysFolderNamesInTaskOrder() throws IOException {
        pkg("liver");
        pkg("vessel");
        Files.createDirectories(models.resolve("notes"));

        Map<String, Path> p = PipelineBenchmark.packagesOf(models, List.of("vessels", "liver"));

        assertThat(p).containsExactly(Map.entry("vessels", models.resolve("vessel")),
                Map.entry("liver", models.resolve("liver")));
        assertThat(PipelineBenchmark.packagesOf(models, List.of("liver"))).containsOnlyKeys("liver");
    }

    @Test
    void aTaskWithoutAPackageIsRefusedByName() throws IOException {
        pkg("liver");

        assertThatThrownBy(() -> PipelineBenchmark.packagesOf(models, List.of("liver", "vessels")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'vessels'")
                .hasMessageContaining("[liver]");
    }

    @Test
    void threeScansByDefaultOneWithItsOwnFileAndNeverTheSameFileTwice() {
        assertThat(PipelineBenchmark.repeats(null, false)).isEqualTo(3);
        assertThat(PipelineBenchmark.repeats(null, true)).isEqualTo(1);
        assertThat(PipelineBenchmark.repeats(5, false)).isEqualTo(5);
        assertThatThrownBy(() -> PipelineBenchmark.repeats(2, true)).hasMessageContaining("--in");
        assertThatThrownBy(() -> PipelineBenchmark.repeats(0, false)).hasMessageContaining("at least 1");
    }
}
