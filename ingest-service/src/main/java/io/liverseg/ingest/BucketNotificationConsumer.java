package io.liverseg.ingest;

import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Objects put straight into the bucket under {@code incoming/} (mc cp, a PACS exporter) enter the pipeline through
 * MinIO's bucket notifications: each ObjectCreated record under incoming/ is downloaded, validated exactly as an
 * upload, copied server-side to scans/{id}/image.nii[.gz] and announced with source "bucket-notification". Every
 * other record (other prefixes, other buckets, removals) is ignored: the services' own writes also notify.
 *
 * <p>An object that is not a valid scan gets scans/{id}/failed.json and a ScanFailed (stage "ingest"), and the
 * notification is nacked, so the record goes to the dead-letter topic with the reason in its headers; the next
 * notification is processed normally.
 */
@ApplicationScoped
public class BucketNotificationConsumer {
    /** Incoming channel of {@link io.liverseg.proto.Topics#BUCKET_NOTIFICATIONS}. */
    public static final String IN = "bucket-notifications";

    private static final Logger LOG = Logger.getLogger(BucketNotificationConsumer.class);

    private final IngestService ingest;
    private final ObjectStore store;

    public BucketNotificationConsumer(IngestService ingest, ObjectStore store) {
        this.ingest = ingest;
        this.store = store;
    }

    /** Thrown to nack a notification: its message becomes the dead-letter reason. */
    public static class RefusedObjectException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public RefusedObjectException(String message) {
            super(message);
        }
    }

    @Incoming(IN)
    @Blocking
    public void onNotification(String payload) throws IOException {
        List<BucketNotification.ObjectEvent> events = BucketNotification.parse(payload);
        List<String> refused = new ArrayList<>();
        for (BucketNotification.ObjectEvent e : events) {
            if (!accepts(e, store.bucket())) {
                LOG.debugf("ignored bucket notification %s %s/%s", e.eventName(), e.bucket(), e.key());
                continue;
            }
            process(e).ifPresent(refused::add);
        }
        if (!refused.isEmpty()) {
            throw new RefusedObjectException(String.join("; ", refused));
        }
    }

    /** Only ObjectCreated events of our bucket under incoming/ are taken. */
    static boolean accepts(BucketNotification.ObjectEvent e, String bucket) {
        return e.isCreated() && bucket.equals(e.bucket()) && e.key().startsWith(ObjectKeys.INCOMING)
                && e.key().length() > ObjectKeys.INCOMING.length() && !e.key().endsWith("/");
    }

    /** Ingests one object; the refusal reason when it is not a valid scan. */
    private Optional<String> process(BucketNotification.ObjectEvent e) throws IOException {
        String key = e.key();
        Optional<Long> size = store.size(key);
        if (size.isEmpty()) {
            LOG.warnf("bucket notification for %s/%s, but the object is gone: ignored", e.bucket(), key);
            return Optional.empty();
        }
        String name = e.fileName();
        if (size.get() > ingest.maxBytes()) {
            return Optional.of(refuse(hashObject(key), key, InvalidScanException.tooLarge(key, ingest.maxBytes())));
        }
        Path tmp = Files.createTempFile(ingest.tempDir(), "incoming-", ".bin");
        try {
            if (!store.download(key, tmp)) {
                LOG.warnf("bucket notification for %s/%s, but the object is gone: ignored", e.bucket(), key);
                return Optional.empty();
            }
            Spooled file = Spooled.of(tmp, ingest.dataScanTap());
            try {
                IngestService.Outcome outcome = ingest.ingest(new IngestService.Intake(
                        new IngestService.Part(file, name), null, null, Map.of("object_key", key),
                        ScanRecord.SOURCE_BUCKET, key));
                LOG.infof("%s/%s is scan %s%s", e.bucket(), key, outcome.scanId(),
                        outcome.duplicate() ? " (already known)" : "");
                return Optional.empty();
            } catch (InvalidScanException x) {
                return Optional.of(refuse(file.sha256(), key, x));
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private String refuse(String id, String key, InvalidScanException x) {
        String reason = "object " + store.bucket() + "/" + key + " refused: " + x.getMessage();
        ingest.fail(id, key, reason, x);
        LOG.warnf("scan %s failed at ingest: %s", id, reason);
        return reason;
    }

    /** SHA-256 of an object, streamed without keeping it (for one too large to take). */
    private String hashObject(String key) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException x) {
            throw new IllegalStateException(x);
        }
        Optional<InputStream> in = store.open(key);
        if (in.isPresent()) {
            try (InputStream s = new DigestInputStream(in.get(), sha)) {
                s.transferTo(java.io.OutputStream.nullOutputStream());
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
