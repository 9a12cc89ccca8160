package io.liverseg.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {

    @TempDir
    Path dir;

    @Test
    void kafkaRunsCombinedModeOnLoopbackWithASingleNodeQuorum() {
        Map<String, String> p = KafkaBroker.serverProperties(9092, 9093, dir.resolve("data"));

        assertThat(p).containsEntry("process.roles", "broker,controller")
                .containsEntry("controller.quorum.bootstrap.servers", "127.0.0.1:9093")
                .containsEntry("listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093")
                .containsEntry("controller.listener.names", "CONTROLLER")
                .containsEntry("offsets.topic.replication.factor", "1")
                .containsEntry("transaction.state.log.min.isr", "1")
                .containsEntry("share.coordinator.state.topic.replication.factor", "1")
                .containsEntry("log.dirs", dir.resolve("data").toAbsolutePath().toString())
                // --standalone formatting forbids a static voter list.
                .doesNotContainKey("controller.quorum.voters");
    }

    @Test
    void clusterIdsLookLikeKafkaUuids() {
        IntStream.range(0, 200).mapToObj(i -> KafkaBroker.newClusterId()).forEach(id -> assertThat(id)
                .hasSize(22).matches("[A-Za-z0-9_-]+").doesNotStartWith("-"));
    }

    @Test
    void s3proxyUsesAFilesystemStoreAndSignedRequests() {
        Map<String, String> p = S3Server.s3proxyProperties(9000, dir.resolve("s3"));

        assertThat(p).containsEntry("s3proxy.endpoint", "http://127.0.0.1:9000")
                .containsEntry("s3proxy.authorization", "aws-v2-or-v4")
                .containsEntry("jclouds.provider", "filesystem")
                .containsEntry("jclouds.filesystem.basedir", dir.resolve("s3").toAbsolutePath().toString());
    }

    @Test
    void propertiesFilesReadBackExactly() throws IOException {
        Map<String, String> written = new LinkedHashMap<>();
        written.put("path", "C:\\data\\kafka logs");
        written.put("leading", " space");
        written.put("url", "PLAINTEXT://127.0.0.1:1,CONTROLLER://127.0.0.1:2");
        Path file = dir.resolve("x.properties");

        PropertiesFile.write(file, "test", written);

        assertThat(PropertiesFile.read(file)).isEqualTo(written);
        assertThat(Files.readAllLines(file)).element(1).isEqualTo("path=C:\\\\data\\\\kafka logs");
    }

    @Test
    void freePortsAreDistinctAndBindable() throws IOException {
        int[] ports = Net.freePorts(3);

        assertThat(ports).doesNotHaveDuplicates();
        assertThat(IntStream.of(ports).allMatch(Net::isFree)).isTrue();
    }
}
