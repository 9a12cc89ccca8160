package io.liverseg.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.liverseg.proto.events.v1.Geometry;
import io.liverseg.proto.events.v1.LabeledScan;
import io.liverseg.proto.events.v1.ScanDeleted;
import io.liverseg.proto.events.v1.ScanReceived;
import io.liverseg.proto.events.v1.SliceBatchReady;
import io.liverseg.proto.events.v1.TrainingProgress;
import io.liverseg.proto.events.v1.TrainingRunFinished;
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
    void aDeletionHasItsOwnTopic() throws InvalidProtocolBufferException {
        assertThat(EventType.SCAN_DELETED.topic()).isEqualTo("liverseg.scans.deleted");
        ScanDeleted d = ScanDeleted.newBuilder().setScanId("ab".repeat(32)).setLabelTask("liver")
                .setDeletedAt(Timestamp.newBuilder().setSeconds(1_790_000_000L)).build();
        assertThat(EventType.of(d)).isEqualTo(EventType.SCAN_DELETED);
        assertThat(EventType.SCAN_DELETED.parse(d.toByteArray())).isEqualTo(d);
    }

    @Test
    void trainingEventsHaveTheirOwnTopics() throws InvalidProtocolBufferException {
        assertThat(EventType.TRAINING_PROGRESS.topic()).isEqualTo("liverseg.training.progress");
        assertThat(EventType.TRAINING_RUN_FINISHED.topic()).isEqualTo("liverseg.training.finished");
        assertThat(EventType.TRAINING_RUN_FINISHED.ceType()).isEqualTo("liverseg.events.v1.TrainingRunFinished");
        TrainingProgress p = TrainingProgress.newBuilder().setRunId("r1").setTask("liver").setStatus("running")
                .setEpoch(2).setEpochs(5).putValidationDice("liver", 0.8).build();
        assertThat(EventType.of(p)).isEqualTo(EventType.TRAINING_PROGRESS);
        assertThat(EventType.TRAINING_PROGRESS.parse(p.toByteArray())).isEqualTo(p);
        TrainingRunFinished f = TrainingRunFinished.newBuilder().setRunId("r1").setDecision("rejected")
                .setCandidateDice(0.5).setChampionDice(0.7).build();
        assertThat(EventType.of(f)).isEqualTo(EventType.TRAINING_RUN_FINISHED);
    }

    @Test
    void labeledScanNamesItsTask() throws InvalidProtocolBufferException {
        LabeledScan s = LabeledScan.newBuilder().setScanId("ab".repeat(32)).setSource("correction").setTask("vessels")
                .build();
        assertThat(((LabeledScan) EventType.LABELED_SCAN.parse(s.toByteArray())).getTask()).isEqualTo("vessels");
        assertThat(LabeledScan.getDefaultInstance().getTask()).isEmpty();
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
