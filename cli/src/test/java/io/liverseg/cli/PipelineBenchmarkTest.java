package io.liverseg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liverseg.cli.stack.Mesh;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
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

    /** The warm-up picks scans by the partition their events go to: what Kafka's producer computes for the key. */
    @Test
    void partitionOfIsTheProducersPartitionForTheScanIdKey() throws Exception {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 64; i++) {
            byte[] upload = ("scan " + i).getBytes(StandardCharsets.UTF_8);
            String scanId = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(upload));

            int expected = BuiltInPartitioner.partitionForKey(scanId.getBytes(StandardCharsets.UTF_8), Mesh.PARTITIONS);

            assertThat(PipelineBenchmark.partitionOf(upload)).isEqualTo(expected);
            seen.add(expected);
        }
        assertThat(seen).hasSize(Mesh.PARTITIONS);
    }
}
