package io.liverseg.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.liverseg.proto.events.v1.Geometry;
import io.liverseg.proto.events.v1.ScanReceived;
import io.liverseg.proto.events.v1.SliceBatchReady;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EventTypeTest {

    @Test
    void topicsAndTypesAreDistinct() {
        assertThat(Arrays.stream(EventType.values()).map(EventType::topic)).doesNotHaveDuplicates()
                .doesNotContain(Topics.BUCKET_NOTIFICATIONS, Topics.DEAD_LETTER);
        assertThat(Arrays.stream(EventType.values()).map(EventType::ceType)).doesNotHaveDuplicates();
    }

    @Test
    void ceTypeIsTheProtobufFullName() {
        assertThat(EventType.SCAN_RECEIVED.ceType()).isEqualTo("liverseg.events.v1.ScanReceived");
        assertThat(EventType.MASK_READY.ceType()).isEqualTo("liverseg.events.v1.MaskReady");
    }

    @Test
    void roundTripsThroughBytes() throws InvalidProtocolBufferException {
        ScanReceived event = ScanReceived.newBuilder()
                .setScanId("ab".repeat(32))
                .setBucket("liverseg")
                .setImageKey("scans/ab/image.nii.gz")
                .setReceivedAt(Timestamp.newBuilder().setSeconds(1_790_000_000L))
                .setGeometry(Geometry.newBuilder().addDims(256).addDims(256).addDims(90).setOrientation("LPS"))
                .putMetadata("site", "A")
                .build();

        EventType type = EventType.of(event);

        assertThat(type).isEqualTo(EventType.SCAN_RECEIVED);
        assertThat(type.parse(event.toByteArray())).isEqualTo(event);
    }

    @Test
    void ofRejectsForeignMessages() {
        assertThatThrownBy(() -> EventType.of(Timestamp.getDefaultInstance()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("google.protobuf.Timestamp");
    }

    @Test
    void garbageIsAnInvalidProtocolBufferException() {
        byte[] notProtobuf = {(byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> EventType.SLICE_BATCH_READY.parse(notProtobuf))
                .isInstanceOf(InvalidProtocolBufferException.class);
        assertThat(SliceBatchReady.getDefaultInstance().getBatchCount()).isZero();
    }
}
