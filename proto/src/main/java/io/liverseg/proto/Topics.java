package io.liverseg.proto;

/**
 * Kafka topics that carry no protobuf event of their own. The protobuf events' topics are on
 * {@link EventType}. Public API.
 */
public final class Topics {
    /** MinIO bucket notifications (S3 event JSON published by MinIO's notify_kafka target). */
    public static final String BUCKET_NOTIFICATIONS = "liverseg.bucket.notifications";
    /** Messages a service could not process, with the reason in headers (SmallRye dead-letter queue). */
    public static final String DEAD_LETTER = "liverseg.dead-letter";

    private Topics() {
    }
}
