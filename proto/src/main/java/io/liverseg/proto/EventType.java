package io.liverseg.proto;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.liverseg.proto.events.v1.LabeledScan;
import io.liverseg.proto.events.v1.MaskReady;
import io.liverseg.proto.events.v1.ModelPromoted;
import io.liverseg.proto.events.v1.ScanDeleted;
import io.liverseg.proto.events.v1.ScanFailed;
import io.liverseg.proto.events.v1.ScanReceived;
import io.liverseg.proto.events.v1.SegmentationMetrics;
import io.liverseg.proto.events.v1.SliceBatchReady;
import io.liverseg.proto.events.v1.TrainingProgress;
import io.liverseg.proto.events.v1.TrainingRunFinished;

/**
 * Every protobuf event of the mesh with its Kafka topic and CloudEvents {@code ce_type}: the one place
 * that names them. Topic names and types are public API.
 */
public enum EventType {
    SCAN_RECEIVED("liverseg.scans.received", ScanReceived.getDefaultInstance()),
    SLICE_BATCH_READY("liverseg.slices.ready", SliceBatchReady.getDefaultInstance()),
    MASK_READY("liverseg.masks.ready", MaskReady.getDefaultInstance()),
    SEGMENTATION_METRICS("liverseg.metrics", SegmentationMetrics.getDefaultInstance()),
    SCAN_FAILED("liverseg.scans.failed", ScanFailed.getDefaultInstance()),
    MODEL_PROMOTED("liverseg.models.promoted", ModelPromoted.getDefaultInstance()),
    LABELED_SCAN("liverseg.scans.labeled", LabeledScan.getDefaultInstance()),
    SCAN_DELETED("liverseg.scans.deleted", ScanDeleted.getDefaultInstance()),
    TRAINING_PROGRESS("liverseg.training.progress", TrainingProgress.getDefaultInstance()),
    TRAINING_RUN_FINISHED("liverseg.training.finished", TrainingRunFinished.getDefaultInstance());

    /** CloudEvents {@code ce_datacontenttype} of every event payload. */
    public static final String CONTENT_TYPE = "application/protobuf";

    private final String topic;
    private final Message prototype;

    EventType(String topic, Message prototype) {
        this.topic = topic;
        this.prototype = prototype;
    }

    /** Kafka topic the event is published on. */
    public String topic() {
        return topic;
    }

    /** CloudEvents type: the protobuf full name, e.g. {@code liverseg.events.v1.ScanReceived}. */
    public String ceType() {
        return prototype.getDescriptorForType().getFullName();
    }

    /** Decodes a payload of this type. */
    public Message parse(byte[] payload) throws InvalidProtocolBufferException {
        return prototype.getParserForType().parseFrom(payload);
    }

    /** The type of a message instance. */
    public static EventType of(Message m) {
        String name = m.getDescriptorForType().getFullName();
        for (EventType t : values()) {
            if (t.ceType().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("not a liverseg event: " + name);
    }
}
