package io.liverseg.preprocess;

import com.google.protobuf.Timestamp;
import io.liverseg.proto.EventType;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.net.URI;
import java.time.Instant;
import java.time.ZonedDateTime;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Kafka messages of the mesh: protobuf bytes, CloudEvents binary-mode metadata, keyed by scan id. */
final class Events {
    static final URI SOURCE = URI.create("/liverseg/preprocess");

    private Events() {
    }

    /**
     * @param ceId deterministic id, the same on a redelivery, e.g. {@code scan:task:version:batch:3}
     */
    static Message<byte[]> message(com.google.protobuf.Message event, String ceId, String key) {
        return Message.of(event.toByteArray())
                .addMetadata(OutgoingCloudEventMetadata.builder()
                        .withId(ceId)
                        .withType(EventType.of(event).ceType())
                        .withSource(SOURCE)
                        .withTimestamp(ZonedDateTime.now())
                        .build())
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build());
    }

    static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }
}
