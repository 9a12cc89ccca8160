package io.liverseg.localstack;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A test's hands on the real broker: publishes events as another service would (protobuf payload, CloudEvents
 * binary mode) and reads back everything the service under test emitted on some topics, from the beginning, in
 * its own consumer group. Not thread-safe for publishing from several threads at once; reading is synchronised.
 */
public final class TopicProbe implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();

    /** Subscribes to {@code topics} (read from the earliest offset) and connects a producer. */
    public TopicProbe(String bootstrap, String... topics) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topics));
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** Publishes a protobuf event in CloudEvents binary mode and waits for the broker's acknowledgement. */
    public RecordMetadata publish(String topic, String key, String ceType, String ceId, byte[] payload)
            throws Exception {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(topic, key, payload);
        r.headers().add("ce_specversion", bytes("1.0"));
        r.headers().add("ce_id", bytes(ceId));
        r.headers().add("ce_type", bytes(ceType));
        r.headers().add("ce_source", bytes("/liverseg/test"));
        r.headers().add("content-type", bytes("application/protobuf"));
        return producer.send(r).get();
    }

    /** Everything read so far (after one more poll) on {@code topic}. */
    public synchronized List<ConsumerRecord<String, byte[]>> records(String topic) {
        consumer.poll(Duration.ofMillis(300)).forEach(seen::add);
        return seen.stream().filter(r -> r.topic().equals(topic)).toList();
    }

    /** Everything read so far (after one more poll) on {@code topic} with key {@code key}. */
    public List<ConsumerRecord<String, byte[]>> records(String topic, String key) {
        return records(topic).stream().filter(r -> key.equals(r.key())).toList();
    }

    /** A header's value as UTF-8 text, or null when the record has no such header. */
    public static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        consumer.close();
        producer.close();
    }
}
