package io.liverseg.cli.stack;

import io.liverseg.localstack.Infrastructure;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The same end-to-end tests on Testcontainers' Apache Kafka and a real MinIO, where a Docker engine exists
 * ({@code ./mvnw verify -Ptestcontainers}). Compiled and run only in that profile; this machine has no Docker.
 */
public final class ContainerInfrastructure implements Infrastructure {
    private static final String KAFKA_IMAGE = "apache/kafka:4.1.1";
    private static final String MINIO_IMAGE = "minio/minio:RELEASE.2025-09-07T16-13-09Z";

    private final KafkaContainer kafka;
    private final MinIOContainer minio;
    private final MinioClient s3;
    private final Admin admin;
    private final Path dataDir;

    private ContainerInfrastructure(KafkaContainer kafka, MinIOContainer minio) throws IOException {
        this.kafka = kafka;
        this.minio = minio;
        this.s3 = MinioClient.builder().endpoint(minio.getS3URL()).credentials(minio.getUserName(), minio.getPassword())
                .region("us-east-1").build();
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBootstrapServers());
        this.admin = Admin.create(p);
        this.dataDir = Files.createTempDirectory("liverseg-containers-");
    }

    /** Starts both containers (called by MeshIT by name when the profile is active). */
    public static Infrastructure start() throws IOException {
        KafkaContainer kafka = new KafkaContainer(KAFKA_IMAGE);
        MinIOContainer minio = new MinIOContainer(MINIO_IMAGE);
        kafka.start();
        minio.start();
        return new ContainerInfrastructure(kafka, minio);
    }

    @Override
    public String kafkaBootstrapServers() {
        return kafka.getBootstrapServers();
    }

    @Override
    public String s3Endpoint() {
        return minio.getS3URL();
    }

    @Override
    public Map<String, String> quarkusConfig() {
        URI s3Url = URI.create(minio.getS3URL());
        Map<String, String> c = new LinkedHashMap<>();
        c.put("quarkus.devservices.enabled", "false");
        c.put("quarkus.kafka.devservices.enabled", "false");
        c.put("quarkus.minio.devservices.enabled", "false");
        c.put("kafka.bootstrap.servers", kafka.getBootstrapServers());
        c.put("quarkus.minio.host", "http://" + s3Url.getHost());
        c.put("quarkus.minio.port", Integer.toString(s3Url.getPort()));
        c.put("quarkus.minio.secure", "false");
        c.put("quarkus.minio.access-key", minio.getUserName());
        c.put("quarkus.minio.secret-key", minio.getPassword());
        c.put("quarkus.minio.region", "us-east-1");
        return c;
    }

    @Override
    public MinioClient s3Client() {
        return s3;
    }

    @Override
    public Admin kafkaAdmin() {
        return admin;
    }

    @Override
    public void createTopic(String name, int partitions) {
        try {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("topic " + name + ": " + e.getCause(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void createBucket(String name) {
        try {
            if (!s3.bucketExists(BucketExistsArgs.builder().bucket(name).build())) {
                s3.makeBucket(MakeBucketArgs.builder().bucket(name).build());
            }
        } catch (Exception e) {
            throw new IllegalStateException("bucket " + name + ": " + e, e);
        }
    }

    @Override
    public Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() {
        admin.close();
        minio.stop();
        kafka.stop();
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
