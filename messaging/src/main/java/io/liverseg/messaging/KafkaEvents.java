package io.liverseg.messaging;

import com.google.protobuf.Timestamp;
import io.liverseg.proto.EventType;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.net.URI;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Objects;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * An event of the mesh as a Kafka message: the protobuf bytes as payload, CloudEvents binary-mode attributes
 * ({@code ce_id}, {@code ce_type} = the message's {@link EventType#ceType()}, {@code ce_source}, {@code ce_time}, {@code ce_datacontenttype})
 * and the record key. Every service sends through here, so the wire form of an event is written down once.
 */
public final class KafkaEvents {
    private KafkaEvents() {
    }

    /**
     * @param event  a message of {@link EventType} (anything else is refused)
     * @param source the sending service, e.g. {@code /liverseg/inference}
     * @param ceId   deterministic id, the same on a redelivery (consumers deduplicate on it), e.g.
     *               {@code scan:task:version:batch:3}
     * @param key    the record key: the scan id (or task) whose events must stay in order on one partition
     */
    public static Message<byte[]> message(com.google.protobuf.Message event, URI source, String ceId, String key) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(ceId, "ceId");
        Objects.requireNonNull(key, "key");
        return Message.of(event.toByteArray())
                .addMetadata(OutgoingCloudEventMetadata.builder()
                        .withId(ceId)
                        .withType(EventType.of(event).ceType())
                        .withSource(source)
                        .withDataContentType(EventType.CONTENT_TYPE)
                        .withTimestamp(ZonedDateTime.now())
                        .build())
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                        .withKey(key)
                        .build());
    }

    /** {@code t} as a protobuf Timestamp, to the nanosecond. */
    public static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder()
                .setSeconds(t.getEpochSecond())
                .setNanos(t.getNano())
                .build();
    }
}
