package io.liverseg.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionsAndConfigTest {

    @Test
    void defaultsStartBothOnFreePortsInATemporaryFolder() {
        LocalStack.Options options = LocalStack.Options.defaults();

        assertThat(options.dataDir()).isNull();
        assertThat(options.kafka()).isTrue();
        assertThat(options.s3()).isTrue();
        assertThat(options.kafkaPort()).isZero();
        assertThat(options.s3Port()).isZero();
        assertThat(options.buckets()).isEmpty();
        assertThat(options.topics()).isEmpty();
        assertThat(options.startTimeout()).isPositive();
    }

    @Test
    void withersAddAndLeaveTheOriginalAlone() {
        LocalStack.Options base = LocalStack.Options.defaults();
        LocalStack.Options options = base.withDataDir(Path.of("/tmp/x")).withS3(false).withBuckets("a", "b")
                .withBuckets("c").withTopic("t", 3).withKafkaPort(19092).withStartTimeout(Duration.ofSeconds(5));

        assertThat(options.dataDir()).isEqualTo(Path.of("/tmp/x"));
        assertThat(options.s3()).isFalse();
        assertThat(options.buckets()).containsExactly("a", "b", "c");
        assertThat(options.topics()).containsExactly(new LocalStack.Topic("t", 3));
        assertThat(options.kafkaPort()).isEqualTo(19092);
        assertThat(options.startTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(base).isEqualTo(LocalStack.Options.defaults());
    }

    @Test
    void rejectsNonsense() {
        LocalStack.Options options = LocalStack.Options.defaults();

        assertThatThrownBy(() -> options.withKafka(false).withS3(false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nothing to start");
        assertThatThrownBy(() -> options.withKafkaPort(70_000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> options.withStartTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> options.withTopic("bad name", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> options.withTopic("ok", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void topicsParseWithAndWithoutPartitions() {
        assertThat(LocalStack.Topic.parse("scans")).isEqualTo(new LocalStack.Topic("scans", 1));
        assertThat(LocalStack.Topic.parse(" scans : 3 ")).isEqualTo(new LocalStack.Topic("scans", 3));
        assertThatThrownBy(() -> LocalStack.Topic.parse("scans:x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void quarkusConfigNamesKafkaMinioAndTurnsDevServicesOff() {
        Map<String, String> config = LocalStack.quarkusConfig("127.0.0.1:1234", 4567);

        assertThat(config).containsEntry("kafka.bootstrap.servers", "127.0.0.1:1234")
                .containsEntry("quarkus.minio.host", "http://127.0.0.1")
                .containsEntry("quarkus.minio.port", "4567")
                .containsEntry("quarkus.minio.secure", "false")
                .containsEntry("quarkus.minio.access-key", "liverseg")
                .containsEntry("quarkus.minio.secret-key", "liverseg-secret")
                .containsEntry("quarkus.minio.region", "us-east-1")
                .containsEntry("quarkus.devservices.enabled", "false")
                .containsEntry("quarkus.kafka.devservices.enabled", "false")
                .containsEntry("quarkus.minio.devservices.enabled", "false");
    }

    @Test
    void quarkusConfigLeavesOutWhatIsNotRunning() {
        assertThat(LocalStack.quarkusConfig(null, 4567)).doesNotContainKey("kafka.bootstrap.servers")
                .containsKey("quarkus.minio.host");
        assertThat(LocalStack.quarkusConfig("127.0.0.1:1", 0)).doesNotContainKey("quarkus.minio.host")
                .containsEntry("quarkus.devservices.enabled", "false");
    }

    @Test
    void resourceInitArgsAreCommaSeparated() {
        assertThat(LocalStackResource.split(" a, b ,,c ")).containsExactly("a", "b", "c");
        assertThat(LocalStackResource.split(null)).isEmpty();
        assertThat(LocalStackResource.split("  ")).isEmpty();
    }

    @Test
    void mainParsesItsOptions() {
        LocalStack.Options options = LocalStackMain.parse(new String[] {"--data-dir", "/tmp/d", "--kafka-port",
            "19092", "--s3-port", "19000", "--topic", "scans:3", "--topic", "masks", "--bucket", "b1",
            "--no-s3", "--start-timeout", "30"}).orElseThrow();

        assertThat(options.dataDir()).isEqualTo(Path.of("/tmp/d"));
        assertThat(options.kafkaPort()).isEqualTo(19092);
        assertThat(options.s3Port()).isEqualTo(19000);
        assertThat(options.topics()).containsExactly(new LocalStack.Topic("scans", 3), new LocalStack.Topic("masks", 1));
        assertThat(options.buckets()).containsExactly("b1");
        assertThat(options.s3()).isFalse();
        assertThat(options.startTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(LocalStackMain.parse(new String[] {"--help"})).isEmpty();
        assertThatThrownBy(() -> LocalStackMain.parse(new String[] {"--kafka-port"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> LocalStackMain.parse(new String[] {"--bogus"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown option");
    }
}
