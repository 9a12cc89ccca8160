package io.liverseg.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liverseg.localstack.LocalStack;
import io.liverseg.localstack.LocalStackExtension;
import io.minio.MinioClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retries of transient failures against real S3 servers (S3Proxy from local-stack): one that is not up yet when
 * the calls begin, one that never comes, and a refusal from the shared one.
 */
@ExtendWith(LocalStackExtension.class)
class ObjectStoreRetryIT {

    @Test
    void callsWaitForAnS3ServerThatComesUpWithinTheirWindow(LocalStack shared, @TempDir java.nio.file.Path dir)
            throws Exception {
        int port = freePort();
        ObjectStore store = new ObjectStore(client(shared, port), "retry-it").withRetryWindow(Duration.ofSeconds(90));
        CompletableFuture<LocalStack> server = CompletableFuture.supplyAsync(() -> {
            try {
                return LocalStack.start(LocalStack.Options.defaults().withKafka(false).withS3Port(port)
                        .withDataDir(dir));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            // S3Proxy is a JVM that takes seconds to start: the first calls meet a closed port
            boolean upBeforeTheFirstCall = server.isDone();
            store.ensureBucket();
            byte[] data = "batch".getBytes(StandardCharsets.UTF_8);
            store.put("work/a/batch-0.lsb", data, "application/octet-stream");

            assertThat(upBeforeTheFirstCall).isFalse();
            assertThat(store.get("work/a/batch-0.lsb")).hasValue(data);
        } finally {
            server.join().close();
        }
    }

    @Test
    void aServerThatStaysDownFailsTheCallAfterItsWindowWithTheNetworkError(LocalStack shared) throws Exception {
        ObjectStore store = new ObjectStore(client(shared, freePort()), "retry-it").withRetryWindow(Duration.ofSeconds(1));

        assertThatThrownBy(() -> store.exists("scans/x/scan.json"))
                .isInstanceOf(StorageException.class)
                .hasMessageStartingWith("S3 stat retry-it/scans/x/scan.json failed: ")
                .hasMessageContaining(" attempts; retry window 1 s)")
                .hasRootCauseInstanceOf(ConnectException.class);
    }

    @Test
    void aRefusalFailsAtTheFirstAttempt(LocalStack shared) {
        ObjectStore store = new ObjectStore(shared.s3Client(), "retry-it-no-such-bucket")
                .withRetryWindow(Duration.ofMinutes(10));

        // retried, it would take the ten minutes and then name its attempts
        assertThatThrownBy(() -> store.put("a.txt", new byte[] {1}, "text/plain"))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("NoSuchBucket")
                .hasMessageNotContaining("attempts");
    }

    private static MinioClient client(LocalStack shared, int port) {
        return MinioClient.builder()
                .endpoint("http://127.0.0.1:" + port)
                .credentials(shared.s3AccessKey(), shared.s3SecretKey())
                .region(shared.s3Region())
                .build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
