package io.liverseg.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import io.liverseg.proto.EventType;
import io.liverseg.proto.events.v1.MaskReady;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.net.URI;
import java.time.Instant;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

class KafkaEventsTest {
    private static final URI SOURCE = URI.create("/liverseg/test");

    @Test
    void messageCarriesTheProtobufBytesTheCloudEventsAttributesAndTheKey() {
        MaskReady event = MaskReady.newBuilder().setScanId("ab12").setTask("vessels").setModelVersion("2").build();

        Message<byte[]> m = KafkaEvents.message(event, SOURCE, "ab12:vessels:2:mask", "ab12");

        assertThat(m.getPayload()).isEqualTo(event.toByteArray());
        OutgoingCloudEventMetadata<?> ce = m.getMetadata(OutgoingCloudEventMetadata.class).orElseThrow();
        assertThat(ce.getId()).isEqualTo("ab12:vessels:2:mask");
        assertThat(ce.getType()).isEqualTo("liverseg.events.v1.MaskReady").isEqualTo(EventType.MASK_READY.ceType());
        assertThat(ce.getSource()).isEqualTo(SOURCE);
        assertThat(ce.getDataContentType()).contains(EventType.CONTENT_TYPE);
        assertThat(ce.getTimeStamp()).isPresent();
        OutgoingKafkaRecordMetadata<?> kafka = m.getMetadata(OutgoingKafkaRecordMetadata.class).orElseThrow();
        assertThat(kafka.getKey()).isEqualTo("ab12");
    }

    @Test
    void aMessageThatIsNoEventOfTheMeshIsRefused() {
        Timestamp notAnEvent = Timestamp.newBuilder().setSeconds(1).build();

        assertThatThrownBy(() -> KafkaEvents.message(notAnEvent, SOURCE, "id", "key"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("google.protobuf.Timestamp");
    }

    @Test
    void timestampKeepsSecondsAndNanoseconds() {
        Instant t = Instant.parse("2026-11-27T04:40:12.123456789Z");

        Timestamp ts = KafkaEvents.timestamp(t);

        assertThat(ts.getSeconds()).isEqualTo(t.getEpochSecond());
        assertThat(ts.getNanos()).isEqualTo(123_456_789);
    }
}
