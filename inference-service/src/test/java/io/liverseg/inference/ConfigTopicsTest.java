package io.liverseg.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.liverseg.proto.EventType;
import io.liverseg.proto.Topics;
import java.io.IOException;
import java.io.InputStream;
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
        assertThat(p.getProperty("mp.messaging.incoming." + BatchProcessor.IN + ".topic"))
                .isEqualTo(EventType.SLICE_BATCH_READY.topic());
        assertThat(p.getProperty("mp.messaging.outgoing." + BatchProcessor.MASKS_OUT + ".topic"))
                .isEqualTo(EventType.MASK_READY.topic());
        assertThat(p.getProperty("mp.messaging.outgoing." + BatchProcessor.METRICS_OUT + ".topic"))
                .isEqualTo(EventType.SEGMENTATION_METRICS.topic());
        assertThat(p.getProperty("mp.messaging.outgoing." + BatchProcessor.FAILED_OUT + ".topic"))
                .isEqualTo(EventType.SCAN_FAILED.topic());
        assertThat(p.getProperty("mp.messaging.incoming." + BatchProcessor.IN + ".dead-letter-queue.topic"))
                .isEqualTo(Topics.DEAD_LETTER);
        assertThat(p.getProperty("mp.messaging.incoming." + BatchProcessor.IN + ".failure-strategy"))
                .isEqualTo("dead-letter-queue");
        assertThat(p.getProperty("mp.messaging.incoming." + BatchProcessor.IN + ".group.id"))
                .isEqualTo("liverseg-inference");
    }

    @Test
    void outgoingEventsAreCloudEventsInBinaryModeWithProtobufContent() throws IOException {
        Properties p = properties();
        for (String ch : new String[] {BatchProcessor.MASKS_OUT, BatchProcessor.METRICS_OUT, BatchProcessor.FAILED_OUT}) {
            assertThat(p.getProperty("mp.messaging.outgoing." + ch + ".cloud-events-mode")).isEqualTo("binary");
            assertThat(p.getProperty("mp.messaging.outgoing." + ch + ".cloud-events-data-content-type"))
                    .isEqualTo(EventType.CONTENT_TYPE);
        }
        assertThat(p.getProperty("quarkus.http.port")).isEqualTo("8082");
        assertThat(p.getProperty("quarkus.devservices.enabled")).isEqualTo("false");
    }
}
