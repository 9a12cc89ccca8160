package io.liverseg.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Bucket;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The shared stack through {@link LocalStackExtension}: real Kafka and S3 traffic with the services' clients. */
@ExtendWith(LocalStackExtension.class)
class LocalStackIT {

    private final LocalStack stack;

    LocalStackIT(LocalStack stack) {
        this.stack = stack;
    }

    @Test
    void theExtensionSharesOneRunningStack(LocalStack parameter) {
        assertThat(parameter).isSameAs(stack).isSameAs(LocalStackExtension.stack());
        assertThat(stack.kafkaProcess()).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
        assertThat(stack.s3Process()).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
        assertThat(stack.kafkaBootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
        assertThat(stack.s3Endpoint()).matches("http://127\\.0\\.0\\.1:\\d+");
        assertThat(stack.temporaryDataDir()).isTrue();
    }

    @Test
    void aRecordGoesThroughTheRealBroker() throws Exception {
        String topic = "it-roundtrip";
        stack.createTopic(topic, 1);
        RecordMetadata sent;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            sent = producer.send(new ProducerRecord<>(topic, "case-001", "{\"scan\":\"liver_000.nii.gz\"}"))
                    .get(30, TimeUnit.SECONDS);
        }
        assertThat(sent.topic()).isEqualTo(topic);

        List<ConsumerRecord<String, String>> received = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "it-roundtrip-group",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                assertThat(received).isNotEmpty();
            });
        }
        assertThat(received).singleElement().satisfies(record -> {
            assertThat(record.key()).isEqualTo("case-001");
            assertThat(record.value()).isEqualTo("{\"scan\":\"liver_000.nii.gz\"}");
            assertThat(record.offset()).isEqualTo(sent.offset());
        });
    }

    @Test
    void topicsGetTheirPartitionsAndCreatingTwiceIsHarmless() throws Exception {
        stack.createTopic("it-three-partitions", 3);
        stack.createTopic("it-three-partitions", 3);

        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.kafkaBootstrapServers()))) {
            TopicDescription description = admin.describeTopics(List.of("it-three-partitions")).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get("it-three-partitions");
            assertThat(description.partitions()).hasSize(3)
                    .allSatisfy(p -> assertThat(p.leader()).isNotNull().satisfies(l -> assertThat(l.id()).isEqualTo(1)));
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("it-three-partitions");
        }
    }

    @Test
    void objectsArePutListedReadAndDeleted() throws Exception {
        String bucket = "it-objects";
        stack.createBucket(bucket);
        stack.createBucket(bucket);
        MinioClient s3 = client();
        byte[] mask = "tumour mask".getBytes(StandardCharsets.UTF_8);

        s3.putObject(PutObjectArgs.builder().bucket(bucket).object("masks/case-001.nii.gz")
                .stream(new ByteArrayInputStream(mask), mask.length, -1).contentType("application/gzip").build());
        s3.putObject(PutObjectArgs.builder().bucket(bucket).object("masks/case-002.nii.gz")
                .stream(new ByteArrayInputStream(mask), mask.length, -1).build());

        assertThat(names(s3, bucket, "masks/")).containsExactlyInAnyOrder("masks/case-001.nii.gz",
                "masks/case-002.nii.gz");
        try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object("masks/case-001.nii.gz")
                .build())) {
            assertThat(in.readAllBytes()).isEqualTo(mask);
        }
        s3.removeObject(RemoveObjectArgs.builder().bucket(bucket).object("masks/case-001.nii.gz").build());
        assertThat(names(s3, bucket, "masks/")).containsExactly("masks/case-002.nii.gz");
        assertThatThrownBy(() -> s3.statObject(StatObjectArgs.builder().bucket(bucket)
                .object("masks/case-001.nii.gz").build()))
                .isInstanceOfSatisfying(ErrorResponseException.class,
                        e -> assertThat(e.errorResponse().code()).isEqualTo("NoSuchKey"));
    }

    @Test
    void aMultipartUploadOfSeveralMegabytesRoundTrips() throws Exception {
        String bucket = "it-multipart";
        stack.createBucket(bucket);
        byte[] volume = new byte[12 * 1024 * 1024];
        new Random(42).nextBytes(volume);
        MinioClient s3 = client();

        // 5 MiB parts, S3's minimum: three parts for 12 MiB.
        s3.putObject(PutObjectArgs.builder().bucket(bucket).object("scans/volume.nii")
                .stream(new ByteArrayInputStream(volume), volume.length, 5L * 1024 * 1024).build());

        StatObjectResponse stat = s3.statObject(StatObjectArgs.builder().bucket(bucket).object("scans/volume.nii")
                .build());
        assertThat(stat.size()).isEqualTo(volume.length);
        assertThat(stat.etag()).endsWith("-3");
        try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object("scans/volume.nii")
                .build())) {
            assertThat(in.readAllBytes()).isEqualTo(volume);
        }
    }

    @Test
    void theQuarkusResourceHandsOutConfigThatQuarkusMinioCanUse() throws Exception {
        LocalStackResource resource = new LocalStackResource();
        resource.init(Map.of(LocalStackResource.BUCKETS, "it-resource-a, it-resource-b",
                LocalStackResource.TOPICS, "it-resource-topic:2"));

        Map<String, String> config = resource.start();
        resource.stop();

        assertThat(config).isEqualTo(stack.quarkusConfig())
                .containsEntry("kafka.bootstrap.servers", stack.kafkaBootstrapServers());
        assertThat(stack.kafkaProcess().orElseThrow().isAlive()).as("stop() leaves the shared stack up").isTrue();
        // Built as quarkus-minio 3.8 builds its client when a port is configured.
        MinioClient quarkusStyle = MinioClient.builder()
                .endpoint(config.get("quarkus.minio.host"), Integer.parseInt(config.get("quarkus.minio.port")),
                        Boolean.parseBoolean(config.get("quarkus.minio.secure")))
                .credentials(config.get("quarkus.minio.access-key"), config.get("quarkus.minio.secret-key"))
                .region(config.get("quarkus.minio.region")).build();
        assertThat(quarkusStyle.listBuckets()).extracting(Bucket::name).contains("it-resource-a", "it-resource-b");
        assertThat(quarkusStyle.bucketExists(BucketExistsArgs.builder().bucket("it-resource-a").build())).isTrue();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", config.get("kafka.bootstrap.servers")))) {
            assertThat(admin.describeTopics(Set.of("it-resource-topic")).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get("it-resource-topic").partitions()).hasSize(2);
        }
    }

    @Test
    void anExistingTopicIsLeftAsItIs() throws Exception {
        stack.kafkaAdmin().createTopics(List.of(new NewTopic("it-existing", 2, (short) 1))).all()
                .get(30, TimeUnit.SECONDS);

        stack.createTopic("it-existing", 5);

        assertThat(stack.kafkaAdmin().describeTopics(Set.of("it-existing")).allTopicNames()
                .get(30, TimeUnit.SECONDS).get("it-existing").partitions()).hasSize(2);
    }

    private MinioClient client() {
        return MinioClient.builder().endpoint(stack.s3Endpoint()).credentials(stack.s3AccessKey(),
                stack.s3SecretKey()).region(stack.s3Region()).build();
    }

    private static List<String> names(MinioClient s3, String bucket, String prefix) throws Exception {
        List<String> names = new ArrayList<>();
        for (Result<Item> result : s3.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(prefix)
                .recursive(true).build())) {
            names.add(result.get().objectName());
        }
        return names;
    }
}
