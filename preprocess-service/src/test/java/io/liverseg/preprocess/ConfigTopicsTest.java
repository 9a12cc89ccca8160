package io.liverseg.preprocess;

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
        assertThat(p.getProperty("mp.messaging.incoming." + ScanProcessor.IN + ".topic"))
                .isEqualTo(EventType.SCAN_RECEIVED.topic());
        assertThat(p.getProperty("mp.messaging.outgoing." + ScanProcessor.SLICES_OUT + ".topic"))
                .isEqualTo(EventType.SLICE_BATCH_READY.topic());
        assertThat(p.getProperty("mp.messaging.outgoing." + ScanProcessor.FAILED_OUT + ".topic"))
                .isEqualTo(EventType.SCAN_FAILED.topic());
        assertThat(p.getProperty("mp.messaging.incoming." + ScanProcessor.IN + ".dead-letter-queue.topic"))
                .isEqualTo(Topics.DEAD_LETTER);
        assertThat(p.getProperty("mp.messaging.incoming." + ScanProcessor.IN + ".failure-strategy"))
                .isEqualTo("dead-letter-queue");
        assertThat(p.getProperty("mp.messaging.incoming." + ScanProcessor.IN + ".group.id"))
                .isEqualTo("liverseg-preprocess");
    }

    @Test
    void outgoingEventsAreCloudEventsInBinaryModeWithProtobufContent() throws IOException {
        Properties p = properties();
        for (String ch : new String[] {ScanProcessor.SLICES_OUT, ScanProcessor.FAILED_OUT}) {
            assertThat(p.getProperty("mp.messaging.outgoing." + ch + ".cloud-events-mode")).isEqualTo("binary");
            assertThat(p.getProperty("mp.messaging.outgoing." + ch + ".cloud-events-data-content-type"))
                    .isEqualTo(EventType.CONTENT_TYPE);
        }
    }

    @Test
    void devServicesAreOff() throws IOException {
        Properties p = properties();
        assertThat(p.getProperty("quarkus.devservices.enabled")).isEqualTo("false");
        assertThat(p.getProperty("quarkus.kafka.devservices.enabled")).isEqualTo("false");
        assertThat(p.getProperty("quarkus.minio.devservices.enabled")).isEqualTo("false");
        assertThat(p.getProperty("quarkus.http.port")).isEqualTo("8081");
    }
}
