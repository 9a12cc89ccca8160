package io.liverseg.localstack;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Quarkus test resource pointing a service at the test JVM's shared {@link LocalStack}: {@link #start()} returns
 * {@link LocalStack#quarkusConfig()} (Kafka bootstrap servers, quarkus-minio host/port/keys, Dev Services off).
 *
 * <pre>{@code
 * @QuarkusTest
 * @QuarkusTestResource(value = LocalStackResource.class,
 *         initArgs = {@ResourceArg(name = "buckets", value = "scans,masks"),
 *                     @ResourceArg(name = "topics", value = "scan-uploaded:3,mask-ready")})
 * class PipelineTest { ... }
 * }</pre>
 *
 * <p>This module does not bring Quarkus along (its Quarkus dependency is optional, provided scope): a service
 * adds {@code io.quarkus:quarkus-junit5} to its own test dependencies, as every {@code @QuarkusTest} needs.
 * {@link #stop()} leaves the shared stack running for the next Quarkus application or test class; it stops when
 * the test JVM exits.
 */
public class LocalStackResource implements QuarkusTestResourceLifecycleManager {

    /** Init arg: comma-separated bucket names to create. */
    public static final String BUCKETS = "buckets";
    /** Init arg: comma-separated topics, each {@code name} or {@code name:partitions}. */
    public static final String TOPICS = "topics";

    private List<String> buckets = List.of();
    private List<LocalStack.Topic> topics = List.of();

    @Override
    public void init(Map<String, String> initArgs) {
        buckets = split(initArgs.get(BUCKETS));
        topics = split(initArgs.get(TOPICS)).stream().map(LocalStack.Topic::parse).toList();
    }

    @Override
    public Map<String, String> start() {
        LocalStack stack = SharedLocalStack.get();
        topics.forEach(topic -> stack.createTopic(topic.name(), topic.partitions()));
        buckets.forEach(stack::createBucket);
        return stack.quarkusConfig();
    }

    @Override
    public void stop() {
        // Shared with other test classes and applications in this JVM: its shutdown hook stops it.
    }

    static List<String> split(String list) {
        if (list == null || list.isBlank()) {
            return List.of();
        }
        return Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
