package io.liverseg.localstack;

import io.minio.MinioClient;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/**
 * A running Kafka broker and S3 server, however they were started: {@link LocalStack} (child JVMs, no Docker)
 * or containers where a Docker engine exists. The end-to-end tests and {@code liverseg stack} only need this.
 */
public interface Infrastructure extends AutoCloseable {
    /** {@code HOST:PORT} for {@code bootstrap.servers}. */
    String kafkaBootstrapServers();

    /** {@code http://HOST:PORT}. */
    String s3Endpoint();

    /** What a Quarkus service needs to use these servers (Kafka, quarkus-minio, Dev Services off). */
    Map<String, String> quarkusConfig();

    /** A MinIO client on the S3 endpoint, owned by the infrastructure. */
    MinioClient s3Client();

    /** An admin client on the broker, owned by the infrastructure. */
    Admin kafkaAdmin();

    /** Creates a topic unless it exists. */
    void createTopic(String name, int partitions);

    /** Creates a bucket unless it exists. */
    void createBucket(String name);

    /** A folder for data and logs of whatever runs on this infrastructure. */
    Path dataDir();

    /** Stops the servers. */
    @Override
    void close();
}
