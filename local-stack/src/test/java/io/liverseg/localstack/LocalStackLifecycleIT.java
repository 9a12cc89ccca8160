package io.liverseg.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.minio.GetObjectArgs;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Own stacks, not the shared one: start, stop, restart, and start-up failures. */
class LocalStackLifecycleIT {

    @Test
    void closeStopsBothJvmsAndDeletesTheTemporaryFolderThenAnotherStackStartsOnNewPorts(@TempDir Path kept)
            throws Exception {
        LocalStack first = LocalStack.start();
        ProcessHandle firstKafka = first.kafkaProcess().orElseThrow();
        ProcessHandle firstS3 = first.s3Process().orElseThrow();
        Path firstDir = first.dataDir();
        String firstKafkaAddress = first.kafkaBootstrapServers();
        String firstS3Address = first.s3Endpoint();
        assertThat(firstDir).isDirectory();

        first.close();
        first.close();

        assertThat(firstKafka.isAlive()).isFalse();
        assertThat(firstS3.isAlive()).isFalse();
        assertThat(firstDir).doesNotExist();
        assertThat(first.isClosed()).isTrue();
        assertThatThrownBy(first::kafkaBootstrapServers).isInstanceOf(IllegalStateException.class);

        // A second stack in the same JVM, this time on a kept folder: new ports, and data that survives it.
        Path dataDir = kept.resolve("stack");
        byte[] scan = "ct volume".getBytes(StandardCharsets.UTF_8);
        String kafkaAddress;
        String s3Address;
        LocalStack second = LocalStack.start(LocalStack.Options.defaults().withDataDir(dataDir)
                .withTopic("kept-topic", 2).withBuckets("kept-bucket"));
        ProcessHandle secondKafka = second.kafkaProcess().orElseThrow();
        ProcessHandle secondS3 = second.s3Process().orElseThrow();
        try {
            kafkaAddress = second.kafkaBootstrapServers();
            s3Address = second.s3Endpoint();
            assertThat(kafkaAddress).isNotEqualTo(firstKafkaAddress);
            assertThat(s3Address).isNotEqualTo(firstS3Address);
            second.s3Client().putObject(PutObjectArgs.builder().bucket("kept-bucket").object("scan.nii")
                    .stream(new ByteArrayInputStream(scan), scan.length, -1).build());
        } finally {
            second.close();
        }
        assertThat(secondKafka.isAlive()).isFalse();
        assertThat(secondS3.isAlive()).isFalse();
        assertThat(dataDir.resolve("kafka/data/meta.properties")).isRegularFile();
        assertThat(dataDir.resolve("s3/kept-bucket/scan.nii")).isRegularFile();

        // Restarted on the same folder: the same ports (the KRaft quorum recorded them) and the same data.
        try (LocalStack third = LocalStack.start(LocalStack.Options.defaults().withDataDir(dataDir))) {
            assertThat(third.kafkaBootstrapServers()).isEqualTo(kafkaAddress);
            assertThat(third.s3Endpoint()).isEqualTo(s3Address);
            assertThat(third.kafkaAdmin().describeTopics(Set.of("kept-topic")).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get("kept-topic").partitions()).hasSize(2);
            try (InputStream in = third.s3Client().getObject(GetObjectArgs.builder().bucket("kept-bucket")
                    .object("scan.nii").build())) {
                assertThat(in.readAllBytes()).isEqualTo(scan);
            }
        }
        assertThat(dataDir).isDirectory();
    }

    @Test
    void aBrokerThatCannotStartIsReportedWithTheEndOfItsLogAndCleanedUp() throws IOException {
        IOException failure;
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            LocalStack.Options options = LocalStack.Options.defaults().withS3(false)
                    .withKafkaPort(taken.getLocalPort()).withStartTimeout(Duration.ofSeconds(60));

            failure = catchThrowableOfType(IOException.class, () -> LocalStack.start(options));

            assertThat(failure).isNotNull().hasMessageContaining("Kafka broker").hasMessageContaining("errors in")
                    .hasMessageContaining("last lines of").hasMessageContaining("" + taken.getLocalPort());
        }
        Matcher log = Pattern.compile("last lines of (\\S+kafka\\.log)").matcher(failure.getMessage());
        assertThat(log.find()).isTrue();
        Path dataDir = Path.of(log.group(1)).getParent().getParent();
        assertThat(dataDir).doesNotExist();
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().arguments().map(a -> String.join(" ", a)).orElse("")
                        .contains(dataDir.toString())))
                .isEmpty();
    }
}
