package io.liverseg.ingest;

import com.google.protobuf.Message;
import io.liverseg.messaging.KafkaEvents;
import io.liverseg.proto.EventType;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Sends the events ingest emits (ScanReceived, LabeledScan, ScanFailed, ScanDeleted) as protobuf bytes in CloudEvents binary
 * mode, keyed by scan id, and waits until the broker has acknowledged each one.
 */
@ApplicationScoped
public class EventPublisher {
    /** Outgoing channel of {@link EventType#SCAN_RECEIVED}. */
    public static final String SCAN_RECEIVED = "scan-received";
    /** Outgoing channel of {@link EventType#LABELED_SCAN}. */
    public static final String LABELED_SCAN = "labeled-scan";
    /** Outgoing channel of {@link EventType#SCAN_FAILED}. */
    public static final String SCAN_FAILED = "scan-failed";
    /** Outgoing channel of {@link EventType#SCAN_DELETED}. */
    public static final String SCAN_DELETED = "scan-deleted";
    /** CloudEvents source of every event this service emits. */
    public static final URI SOURCE = URI.create("/liverseg/ingest-service");

    private final MutinyEmitter<byte[]> scanReceived;
    private final MutinyEmitter<byte[]> labeledScan;
    private final MutinyEmitter<byte[]> scanFailed;
    private final MutinyEmitter<byte[]> scanDeleted;
    private final Duration timeout;

    public EventPublisher(@Channel(SCAN_RECEIVED) MutinyEmitter<byte[]> scanReceived,
                          @Channel(LABELED_SCAN) MutinyEmitter<byte[]> labeledScan,
                          @Channel(SCAN_FAILED) MutinyEmitter<byte[]> scanFailed,
                          @Channel(SCAN_DELETED) MutinyEmitter<byte[]> scanDeleted,
                          IngestConfig config) {
        this.scanReceived = scanReceived;
        this.labeledScan = labeledScan;
        this.scanFailed = scanFailed;
        this.scanDeleted = scanDeleted;
        this.timeout = Duration.ofSeconds(config.ingest().sendTimeoutSeconds());
    }

    /**
     * Sends {@code event} on its channel and blocks until the broker acknowledged it.
     *
     * @param key  Kafka key (the scan id)
     * @param ceId deterministic CloudEvents id, so a redelivery carries the same id
     */
    public void send(Message event, String key, String ceId) {
        EventType type = EventType.of(event);
        MutinyEmitter<byte[]> emitter = switch (type) {
            case SCAN_RECEIVED -> scanReceived;
            case LABELED_SCAN -> labeledScan;
            case SCAN_FAILED -> scanFailed;
            case SCAN_DELETED -> scanDeleted;
            default -> throw new IllegalArgumentException("ingest does not emit " + type);
        };
        emitter.sendMessage(KafkaEvents.message(event, SOURCE, ceId, key))
                .await()
                .atMost(timeout);
    }
}
