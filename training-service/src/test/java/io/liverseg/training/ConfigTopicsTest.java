package io.liverseg.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.liverseg.proto.EventType;
import io.liverseg.proto.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** application.properties may name topics, but they must be the constants of the proto module. */
class ConfigTopicsTest {

    private static Properties properties() throws IOException {
        Properties p = new Properties();
        try (InputStream in = ConfigTopicsTest.class.getResourceAsStream("/application.properties")) {
            p.load(in);
        }
        return p;
    }

    @Test
    void topicsAreTheContractConstants() throws IOException {
        Properties p = properties();
        assertThat(p.getProperty("mp.messaging.incoming." + LabeledScanConsumer.IN + ".topic"))
                .isEqualTo(EventType.LABELED_SCAN.topic());
        assertThat(p.getProperty("mp.messaging.incoming." + LabeledScanConsumer.IN + ".dead-letter-queue.topic"))
                .isEqualTo(Topics.DEAD_LETTER);
        assertThat(p.getProperty("mp.messaging.incoming." + LabeledScanConsumer.IN + ".failure-strategy"))
                .isEqualTo("dead-letter-queue");
        assertThat(p.getProperty("mp.messaging.incoming." + LabeledScanConsumer.IN + ".group.id"))
                .isEqualTo("liverseg-training");
        assertThat(p.getProperty("mp.messaging.incoming." + ScanDeletedConsumer.IN + ".topic"))
                .isEqualTo(EventType.SCAN_DELETED.topic());
        assertThat(p.getProperty("mp.messaging.incoming." + ScanDeletedConsumer.IN + ".dead-letter-queue.topic"))
                .isEqualTo(Topics.DEAD_LETTER);
        assertThat(p.getProperty("mp.messaging.incoming." + ScanDeletedConsumer.IN + ".group.id"))
                .isEqualTo("liverseg-training");
        Map<String, EventType> out = Map.of(Events.PROGRESS_OUT, EventType.TRAINING_PROGRESS,
                Events.FINISHED_OUT, EventType.TRAINING_RUN_FINISHED, Events.PROMOTED_OUT, EventType.MODEL_PROMOTED);
        out.forEach((channel, type) -> {
            assertThat(p.getProperty("mp.messaging.outgoing." + channel + ".topic")).as(channel).isEqualTo(type.topic());
            assertThat(p.getProperty("mp.messaging.outgoing." + channel + ".cloud-events-mode")).isEqualTo("binary");
            assertThat(p.getProperty("mp.messaging.outgoing." + channel + ".cloud-events-data-content-type"))
                    .isEqualTo(EventType.CONTENT_TYPE);
        });
    }

    @Test
    void devServicesAreOffAndThePortIs8083() throws IOException {
        Properties p = properties();
        assertThat(p.getProperty("quarkus.devservices.enabled")).isEqualTo("false");
        assertThat(p.getProperty("quarkus.kafka.devservices.enabled")).isEqualTo("false");
        assertThat(p.getProperty("quarkus.minio.devservices.enabled")).isEqualTo("false");
        assertThat(p.getProperty("quarkus.http.port")).isEqualTo("8083");
    }
}
