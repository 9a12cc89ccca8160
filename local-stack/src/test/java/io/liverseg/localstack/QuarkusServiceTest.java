package io.liverseg.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuarkusServiceTest {

    @Test
    void aMissingJarSaysWhatToBuild(@TempDir Path tmp) {
        assertThatThrownBy(() -> QuarkusService.start("ingest", tmp.resolve("quarkus-run.jar"), Map.of(), List.of(),
                tmp, Duration.ofSeconds(5)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("ingest")
                .hasMessageContaining("quarkus-run.jar does not exist");
    }

    @Test
    void aJvmThatExitsEarlyFailsWithItsLog(@TempDir Path tmp) throws IOException {
        // Not a jar at all: the child JVM exits at once, and the error quotes its log instead of waiting.
        Path notAJar = Files.writeString(tmp.resolve("quarkus-run.jar"), "not a jar");
        assertThatThrownBy(() -> QuarkusService.start("broken", notAJar, Map.of(), List.of("-Xmx64m"), tmp,
                Duration.ofSeconds(60)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("broken exited with code")
                .hasMessageContaining(tmp.resolve("broken.log").toString());
    }

    @Test
    void anExitSaysWhoEndedHowAndWhereTheLogIs() {
        Path log = Path.of("/tmp/logs/inference.log");
        assertThat(QuarkusService.describeExit("inference", 137, log))
                .isEqualTo("inference exited with code 137 (killed by SIGKILL: if nobody killed it, the kernel's"
                        + " out-of-memory killer did; see dmesg); its log: /tmp/logs/inference.log");
        assertThat(QuarkusService.describeExit("ingest", 143, log))
                .startsWith("ingest exited with code 143 (killed by signal 15)");
        assertThat(QuarkusService.describeExit("training", 1, log))
                .isEqualTo("training exited with code 1; its log: /tmp/logs/inference.log");
    }
}
