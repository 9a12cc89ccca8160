package io.liverseg.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactsTest {

    @Test
    void theBuildCopiedTheBrokerClasspathBesideTheClasses() throws IOException {
        Path libs = Artifacts.kafkaLibs();
        String version = Artifacts.kafkaVersion();

        assertThat(libs).endsWith(Path.of("target", "kafka-broker", "lib"));
        try (Stream<Path> files = Files.list(libs)) {
            assertThat(files.map(f -> f.getFileName().toString())).contains("kafka_2.13-" + version + ".jar",
                    "kafka-clients-" + version + ".jar", "kafka-server-" + version + ".jar", "kafka-raft-"
                            + version + ".jar", "kafka-metadata-" + version + ".jar", "scala-library-2.13.16.jar",
                    "log4j-core-2.25.3.jar", "log4j-slf4j-impl-2.25.3.jar", "slf4j-api-1.7.36.jar");
        }
        assertThat(Artifacts.s3proxyJar()).isRegularFile().hasFileName("s3proxy.jar");
        assertThat(version).isEqualTo("4.1.2");
        assertThat(Artifacts.s3proxyVersion()).isEqualTo("4.1.0");
    }

    @Test
    void theBrokerMatchesTheClientVersionTheServicesUse() {
        // Bump kafka.broker.version (and the jar list) with the Quarkus BOM's kafka-clients.
        assertThat(Artifacts.kafkaVersion()).isEqualTo(org.apache.kafka.common.utils.AppInfoParser.getVersion());
    }

    @Test
    void theBrokerIsNotOnThisClasspathButTheClientIs() {
        List<String> classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(entry -> Path.of(entry).getFileName().toString()).toList();

        assertThat(classpath).noneMatch(jar -> jar.startsWith("kafka_2.13") || jar.startsWith("kafka-server")
                || jar.startsWith("scala-library") || jar.startsWith("s3proxy"));
        assertThat(classpath).anyMatch(jar -> jar.startsWith("kafka-clients-"));
    }

    @Test
    void anExplicitLocationThatIsWrongFailsLoudly(@TempDir Path empty) {
        String previous = System.setProperty(Artifacts.KAFKA_LIBS_PROPERTY, empty.toString());
        try {
            assertThatThrownBy(Artifacts::kafkaLibs).isInstanceOf(IOException.class)
                    .hasMessageContaining(empty.toString()).hasMessageContaining(Artifacts.KAFKA_LIBS_PROPERTY);
        } finally {
            if (previous == null) {
                System.clearProperty(Artifacts.KAFKA_LIBS_PROPERTY);
            } else {
                System.setProperty(Artifacts.KAFKA_LIBS_PROPERTY, previous);
            }
        }
    }

    @Test
    void childrenGetOnlyTheWatchdogClassFromThisModule(@TempDir Path dir) throws IOException {
        ChildJvm.writeBootstrap(dir);

        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile).map(dir::relativize).map(Path::toString))
                    .containsExactly("io/liverseg/localstack/ChildMain.class");
        }
    }

    @Test
    void logTailKeepsTheLastLines(@TempDir Path dir) throws IOException {
        Path log = dir.resolve("x.log");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            text.append("line ").append(i).append('\n');
        }
        Files.writeString(log, text);

        String tail = ChildJvm.tail(log);

        assertThat(tail).endsWith("line 4999").doesNotContain("line 10\n").hasSizeLessThanOrEqualTo(4096);
        assertThat(ChildJvm.tail(dir.resolve("missing.log"))).contains("no log");
    }

    @Test
    void errorLinesAreQuotedBeforeTheTail(@TempDir Path dir) throws IOException {
        Path log = dir.resolve("kafka.log");
        Files.writeString(log, """
                [2026-01-01 00:00:00,000] INFO starting (kafka.Kafka)
                [2026-01-01 00:00:01,000] ERROR [KafkaRaftServer nodeId=1] Fatal error during startup (kafka.Kafka)
                [2026-01-01 00:00:02,000] INFO shutting down (kafka.Kafka)
                """);

        assertThat(ChildJvm.errors(log)).singleElement().asString().contains("Fatal error during startup");
    }
}
