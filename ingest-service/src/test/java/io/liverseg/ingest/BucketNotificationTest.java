package io.liverseg.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BucketNotificationTest {

    static String resource(String name) throws IOException {
        try (InputStream in = BucketNotificationTest.class.getResourceAsStream("/notifications/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void parsesMinioObjectCreatedAndDecodesTheKey() throws IOException {
        List<BucketNotification.ObjectEvent> events = BucketNotification.parse(resource("minio-object-created.json"));

        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.eventName()).isEqualTo("s3:ObjectCreated:Put");
            assertThat(e.isCreated()).isTrue();
            assertThat(e.bucket()).isEqualTo("liverseg");
            assertThat(e.key()).isEqualTo("incoming/ct one.nii.gz");
            assertThat(e.fileName()).isEqualTo("ct one.nii.gz");
            assertThat(e.size()).isEqualTo(162023);
        });
    }

    @Test
    void removalIsNotCreation() throws IOException {
        List<BucketNotification.ObjectEvent> events = BucketNotification.parse(resource("minio-object-removed.json"));

        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.isCreated()).isFalse();
            assertThat(e.key()).isEqualTo("incoming/old.nii.gz");
            assertThat(e.size()).isEqualTo(-1);
        });
    }

    @Test
    void onlyCreatedObjectsOfTheBucketUnderIncomingAreTaken() {
        assertThat(BucketNotificationConsumer.accepts(event("s3:ObjectCreated:Put", "liverseg", "incoming/a.nii"),
                "liverseg")).isTrue();
        assertThat(BucketNotificationConsumer.accepts(event("s3:ObjectCreated:CompleteMultipartUpload", "liverseg",
                "incoming/sub/b.nii.gz"), "liverseg")).isTrue();
        assertThat(BucketNotificationConsumer.accepts(event("s3:ObjectCreated:Put", "liverseg",
                "scans/0000/image.nii.gz"), "liverseg")).isFalse();
        assertThat(BucketNotificationConsumer.accepts(event("s3:ObjectCreated:Put", "other", "incoming/a.nii"),
                "liverseg")).isFalse();
        assertThat(BucketNotificationConsumer.accepts(event("s3:ObjectRemoved:Delete", "liverseg", "incoming/a.nii"),
                "liverseg")).isFalse();
        assertThat(BucketNotificationConsumer.accepts(event("s3:ObjectCreated:Put", "liverseg", "incoming/"),
                "liverseg")).isFalse();
    }

    @Test
    void notAnS3EventIsRefused() {
        assertThatThrownBy(() -> BucketNotification.parse("not json {"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not JSON");
        assertThatThrownBy(() -> BucketNotification.parse("{\"hello\":1}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no Records");
        assertThatThrownBy(() -> BucketNotification.parse("{\"Records\":[{\"s3\":{}}]}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("s3.object.key");
    }

    private static BucketNotification.ObjectEvent event(String name, String bucket, String key) {
        return new BucketNotification.ObjectEvent(name, bucket, key, 1);
    }
}
