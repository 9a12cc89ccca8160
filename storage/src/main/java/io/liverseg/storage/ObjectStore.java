package io.liverseg.storage;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import dev.failsafe.RetryPolicyBuilder;
import io.minio.BucketExistsArgs;
import io.minio.CopyObjectArgs;
import io.minio.CopySource;
import io.minio.GetObjectArgs;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.ObjectWriteArgs;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.RemoveObjectsArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.UploadObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.InvalidResponseException;
import io.minio.errors.ServerException;
import io.minio.http.Method;
import io.minio.messages.DeleteError;
import io.minio.messages.DeleteObject;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * One bucket through the MinIO client, with the few operations liverseg needs. Every S3 put is atomic (readers
 * see the old object or the whole new one), so writers never leave half an object; a missing object is an
 * empty {@link Optional}, any other failure a {@link StorageException} naming bucket and key.
 *
 * <p>Objects that fit one PUT go up with an unsigned payload by default ({@link PayloadSigning#UNSIGNED}): the
 * request is signed with a presigned URL ({@code X-Amz-Content-Sha256: UNSIGNED-PAYLOAD}) and streamed. The MinIO
 * client signs the payload's SHA-256 over plain HTTP, which costs a pass over the bytes before sending, and makes
 * S3Proxy hold the whole body in memory to check it before it stores a byte: a 77 MB scan took ≈ 0.45 s that
 * way against ≈ 0.2 s unsigned, with ≈ 45 % less of S3Proxy's CPU (BENCHMARKS.md §3, session 15). The MinIO
 * client itself sends unsigned payloads over HTTPS, where TLS protects the bytes; over plain HTTP they then rely
 * on TCP's checksums, which is why {@link PayloadSigning#SIGNED} remains for stores reached across an untrusted
 * network without TLS.
 *
 * <p>A call that fails for a reason that passes — the server unreachable, a connection reset, a timeout, a 5xx or
 * S3's SlowDown — is made again with exponential backoff for up to its retry window ({@link #DEFAULT_RETRY_WINDOW}),
 * so an S3 server that restarts or fails over does not fail the scans in flight. Every call is safe to repeat:
 * puts and copies write whole objects under deterministic keys, reads and listings have no effect. A refusal (a
 * missing bucket, denied access) fails at once. An object's stream, once open, is not resumed.
 */
public final class ObjectStore {
    /** How single PUTs are signed. Multipart uploads (objects over {@link #SINGLE_PUT_MAX}) are always signed. */
    public enum PayloadSigning {
        /** The MinIO client's own PUT: the payload's SHA-256 is part of the signature. */
        SIGNED,
        /** A presigned URL with {@code UNSIGNED-PAYLOAD}, the body streamed as it is read. */
        UNSIGNED
    }

    /** Lifetime of a presigned PUT URL: it only has to outlive the start of its request. */
    private static final long PRESIGNED_SECONDS = TimeUnit.HOURS.toSeconds(1);
    private static final Pattern ERROR_CODE = Pattern.compile("<Code>([^<]*)</Code>");
    private static final Pattern ERROR_MESSAGE = Pattern.compile("<Message>([^<]*)</Message>");

    /**
     * How long a call retries transient failures: longer than an S3 server's restart takes, and well inside the
     * minute after which SmallRye's throttled commit strategy reports a record that is not acknowledged as a stuck
     * channel.
     */
    public static final Duration DEFAULT_RETRY_WINDOW = Duration.ofSeconds(30);
    private static final Duration FIRST_DELAY = Duration.ofMillis(200);
    private static final Duration MAX_DELAY = Duration.ofSeconds(5);
    /** S3 error codes that mean "try again" (all sent with a 5xx or 429 status by AWS and MinIO). */
    private static final Set<String> TRANSIENT_CODES = Set.of("InternalError", "ServiceUnavailable", "SlowDown",
            "SlowDownRead", "SlowDownWrite", "RequestTimeout", "XMinioServerNotInitialized", "OperationTimedOut");

    private final MinioClient client;
    private final String bucket;
    private final PayloadSigning signing;
    private final OkHttpClient http;
    private final Duration retryWindow;

    /**
     * Objects up to this size go up in one PUT. The client's default picks 5 MiB parts, which turns a 77 MB CT into
     * 16 part requests plus a completion that makes the server copy the parts together again; S3 recommends
     * multipart uploads from about 100 MB, and S3Proxy refuses a signed single PUT over 128 MiB ("Your request was
     * too big": it buffers such a body to check its SHA-256), which a 512×512×300 float32 CT (≈ 270 MB) exceeds.
     */
    static final long SINGLE_PUT_MAX = 100L * 1024 * 1024;
    /** Part size of larger objects' multipart uploads. */
    static final long MULTIPART_PART = 64L * 1024 * 1024;
    /** S3's limit of keys in one multi-object delete. */
    private static final int MAX_DELETE_KEYS = 1000;

    /** Single PUTs unsigned ({@link PayloadSigning#UNSIGNED}) through {@link S3HttpClients#shared()}. */
    public ObjectStore(MinioClient client, String bucket) {
        this(client, bucket, PayloadSigning.UNSIGNED, S3HttpClients.shared());
    }

    /**
     * @param signing how single PUTs are signed
     * @param http    the client for unsigned PUTs (ideally the one {@code client} uses); unused when signed
     */
    public ObjectStore(MinioClient client, String bucket, PayloadSigning signing, OkHttpClient http) {
        this(client, bucket, signing, http, DEFAULT_RETRY_WINDOW);
    }

    /**
     * @param signing     how single PUTs are signed
     * @param http        the client for unsigned PUTs (ideally the one {@code client} uses); unused when signed
     * @param retryWindow how long a call retries transient failures; zero: it fails at the first
     */
    public ObjectStore(MinioClient client, String bucket, PayloadSigning signing, OkHttpClient http,
                       Duration retryWindow) {
        this.client = client;
        this.bucket = bucket;
        this.signing = Objects.requireNonNull(signing, "signing");
        if (signing == PayloadSigning.UNSIGNED && http == null) {
            throw new IllegalArgumentException("unsigned PUTs need an HTTP client");
        }
        this.http = http;
        this.retryWindow = Objects.requireNonNull(retryWindow, "retryWindow");
        if (retryWindow.isNegative()) {
            throw new IllegalArgumentException("retryWindow must not be negative: " + retryWindow);
        }
    }

    /** A store like this one whose calls retry transient failures for {@code window} instead. */
    public ObjectStore withRetryWindow(Duration window) {
        return new ObjectStore(client, bucket, signing, http, window);
    }

    public String bucket() {
        return bucket;
    }

    public MinioClient client() {
        return client;
    }

    /** Creates the bucket unless it exists. */
    public void ensureBucket() {
        call("create bucket", "", () -> {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                try {
                    client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
                } catch (ErrorResponseException e) {
                    // Another instance made it between the check and the call.
                    if (!e.errorResponse().code().startsWith("BucketAlready")) {
                        throw e;
                    }
                }
            }
            return null;
        });
    }

    public PayloadSigning signing() {
        return signing;
    }

    public void put(String key, byte[] data, String contentType) {
        if (putsUnsigned(data.length)) {
            call("put", key, () -> putUnsigned(key, RequestBody.create(data, MediaType.get(contentType))));
            return;
        }
        call("put", key, () -> client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                .stream(new ByteArrayInputStream(data), data.length, partSize(data.length)).contentType(contentType)
                .build()));
    }

    public void putFile(String key, Path file, String contentType) {
        call("put", key, () -> {
            long size = Files.size(file);
            if (putsUnsigned(size)) {
                return putUnsigned(key, RequestBody.create(file.toFile(), MediaType.get(contentType)));
            }
            return client.uploadObject(UploadObjectArgs.builder().bucket(bucket).object(key)
                    .filename(file.toString(), partSize(size)).contentType(contentType).build());
        });
    }

    /** An object of {@code size} bytes goes up in one unsigned PUT; larger ones, or a signed store's, the MinIO way. */
    private boolean putsUnsigned(long size) {
        return signing == PayloadSigning.UNSIGNED && size <= SINGLE_PUT_MAX;
    }

    /** One PUT through a presigned URL; a refusal becomes an IOException with S3's status, code and message. */
    private Void putUnsigned(String key, RequestBody body) throws Exception {
        String url = client.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder().method(Method.PUT)
                .bucket(bucket).object(key).expiry((int) PRESIGNED_SECONDS).build());
        try (Response response = http.newCall(new Request.Builder().url(url).put(body).build()).execute()) {
            if (!response.isSuccessful()) {
                ResponseBody error = response.body();
                String text = error == null ? "" : error.string();
                String code = first(ERROR_CODE, text, response.message());
                throw new S3StatusException(response.code(), code, "HTTP " + response.code() + " " + code + ": "
                        + first(ERROR_MESSAGE, text, ""));
            }
        }
        return null;
    }

    private static String first(Pattern p, String text, String otherwise) {
        Matcher m = p.matcher(text);
        return m.find() ? m.group(1) : otherwise;
    }

    /** The client's part size for an object of {@code size} bytes: all of it (one PUT) up to {@link #SINGLE_PUT_MAX}. */
    static long partSize(long size) {
        return size <= SINGLE_PUT_MAX ? Math.max(size, ObjectWriteArgs.MIN_MULTIPART_SIZE) : MULTIPART_PART;
    }

    /** Server-side copy within the bucket. */
    public void copy(String fromKey, String toKey) {
        call("copy " + fromKey + " to", toKey, () -> client.copyObject(CopyObjectArgs.builder().bucket(bucket)
                .object(toKey).source(CopySource.builder().bucket(bucket).object(fromKey).build()).build()));
    }

    /** Opens an object for streaming; the caller closes the stream. Empty when it does not exist. */
    public Optional<InputStream> open(String key) {
        return call("get", key, () -> {
            try {
                return Optional.of(client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build()));
            } catch (ErrorResponseException e) {
                if (isMissing(e)) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    public Optional<byte[]> get(String key) {
        Optional<InputStream> in = open(key);
        if (in.isEmpty()) {
            return Optional.empty();
        }
        try (InputStream s = in.get()) {
            return Optional.of(s.readAllBytes());
        } catch (IOException e) {
            throw new StorageException("S3 read of " + bucket + "/" + key + " failed: " + e.getMessage(), key, e);
        }
    }

    /** Streams an object to {@code target} (replaced atomically); false when the object does not exist. */
    public boolean download(String key, Path target) {
        Optional<InputStream> in = open(key);
        if (in.isEmpty()) {
            return false;
        }
        Path tmp = target.resolveSibling(target.getFileName() + ".part");
        try (InputStream s = in.get()) {
            Files.copy(s, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new StorageException("S3 download of " + bucket + "/" + key + " failed: " + e.getMessage(), key, e);
        }
    }

    /** Size in bytes, or empty when the object does not exist. */
    public Optional<Long> size(String key) {
        return call("stat", key, () -> {
            try {
                StatObjectResponse s = client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
                return Optional.of(s.size());
            } catch (ErrorResponseException e) {
                if (isMissing(e)) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    public boolean exists(String key) {
        return size(key).isPresent();
    }

    /** Keys under a prefix (recursive), in S3's lexicographic order; a mutable list. */
    public List<String> list(String prefix) {
        List<String> keys = new ArrayList<>();
        listEntries(prefix).forEach(e -> keys.add(e.key()));
        return keys;
    }

    /** An object of a listing: its key, size and when it was last written. */
    public record Entry(String key, long size, Instant lastModified) {
    }

    /** The objects under a prefix (recursive), in S3's lexicographic order of their keys; a mutable list. */
    public List<Entry> listEntries(String prefix) {
        return call("list", prefix, () -> {
            List<Entry> entries = new ArrayList<>();
            for (Result<Item> r : client.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(prefix)
                    .recursive(true).build())) {
                Item item = r.get();
                if (!item.isDir()) {
                    // S3 always sends LastModified; a server that did not would sort as oldest
                    entries.add(new Entry(item.objectName(), item.size(),
                            item.lastModified() == null ? Instant.EPOCH : item.lastModified().toInstant()));
                }
            }
            return entries;
        });
    }

    public void delete(String key) {
        call("delete", key, () -> {
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
            return null;
        });
    }

    /**
     * Deletes many objects with S3's multi-object delete (up to 1000 keys a request); keys that do not exist are not
     * an error, and an empty list makes no request. Fails naming the first key S3 could not delete.
     */
    public void deleteAll(List<String> keys) {
        for (int from = 0; from < keys.size(); from += MAX_DELETE_KEYS) {
            List<String> chunk = keys.subList(from, Math.min(keys.size(), from + MAX_DELETE_KEYS));
            call("delete", chunk.get(0) + (chunk.size() > 1 ? " and " + (chunk.size() - 1) + " more" : ""), () -> {
                List<DeleteObject> objects = new ArrayList<>(chunk.size());
                for (String k : chunk) {
                    objects.add(new DeleteObject(k));
                }
                // the request is sent as the results are read
                for (Result<DeleteError> r : client.removeObjects(RemoveObjectsArgs.builder().bucket(bucket)
                        .objects(objects).build())) {
                    DeleteError error = r.get();
                    if (!"NoSuchKey".equals(error.code())) {
                        throw new S3StatusException(0, error.code(), "S3 delete " + bucket + "/"
                                + error.objectName() + ": " + error.code() + " " + error.message());
                    }
                }
                return null;
            });
        }
    }

    private static boolean isMissing(ErrorResponseException e) {
        String code = e.errorResponse().code();
        return "NoSuchKey".equals(code) || "NoSuchObject".equals(code);
    }

    private interface S3Call<T> {
        T run() throws Exception;
    }

    private <T> T call(String what, String key, S3Call<T> op) {
        AtomicInteger attempts = new AtomicInteger();
        // Failsafe wants the longest delay shorter than the window
        Duration maxDelay = retryWindow.dividedBy(2).compareTo(MAX_DELAY) < 0 ? retryWindow.dividedBy(2) : MAX_DELAY;
        Duration firstDelay = maxDelay.compareTo(FIRST_DELAY) < 0 ? maxDelay.dividedBy(2) : FIRST_DELAY;
        RetryPolicyBuilder<T> builder = RetryPolicy.<T>builder();
        if (retryWindow.toMillis() < 10) {
            builder.withMaxRetries(0);
        } else {
            builder.handleIf(ObjectStore::isTransient)
                    .withBackoff(firstDelay, maxDelay)
                    .withJitter(0.25)
                    .withMaxRetries(-1)
                    .withMaxDuration(retryWindow);
        }
        RetryPolicy<T> retry = builder
                // the logger only when needed: looked up in a static initializer, it would set up JUL before Quarkus
                // has named its log manager
                .onRetryScheduled(e -> System.getLogger(ObjectStore.class.getName()).log(
                        System.Logger.Level.WARNING, "S3 {0} {1}/{2}: attempt {3} failed ({4}); trying again in {5} ms",
                        what, bucket, key, e.getAttemptCount(), e.getLastException().getMessage(),
                        e.getDelay().toMillis()))
                .build();
        try {
            return Failsafe.with(retry).get(() -> {
                attempts.incrementAndGet();
                return op.run();
            });
        } catch (StorageException | UncheckedIOException e) {
            throw e;
        } catch (FailsafeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new StorageException("S3 " + what + " " + bucket + "/" + key + " interrupted", key, cause);
            }
            throw failed(what, key, cause, attempts.get());
        } catch (RuntimeException e) {
            throw failed(what, key, e, attempts.get());
        }
    }

    private StorageException failed(String what, String key, Throwable cause, int attempts) {
        return new StorageException("S3 " + what + " " + bucket + "/" + key + " failed: " + cause.getMessage()
                + (attempts > 1 ? " (gave up after " + attempts + " attempts; retry window " + retryWindow.toSeconds()
                + " s)" : ""), key, cause);
    }

    /**
     * Whether a failed call may succeed when made again: the network (refused, reset, timed out, name not
     * resolved, the stream cut short), a 5xx or 429, or a transient S3 error code. Not a refusal (4xx), nor a local
     * file's error, nor an interrupt.
     */
    static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ErrorResponseException e) {
                return TRANSIENT_CODES.contains(e.errorResponse().code())
                        || e.response() != null && transientStatus(e.response().code());
            }
            if (t instanceof S3StatusException e) {
                return TRANSIENT_CODES.contains(e.code()) || transientStatus(e.status());
            }
            if (t instanceof ServerException e) {
                return transientStatus(e.statusCode());
            }
            if (t instanceof InvalidResponseException) {
                // not S3's XML: e.g. the HTML page of a proxy whose backend is down
                return true;
            }
            if (t instanceof FileSystemException || t instanceof InterruptedException) {
                return false;
            }
            if (t instanceof InterruptedIOException) {
                // okhttp's timeouts; the same type also reports an interrupt of the calling thread
                return !Thread.currentThread().isInterrupted();
            }
            if (t instanceof SocketException || t instanceof UnknownHostException || t instanceof EOFException) {
                return true;
            }
        }
        return false;
    }

    private static boolean transientStatus(int status) {
        return status >= 500 || status == 429;
    }

    /** S3 refused a PUT made through a presigned URL: its HTTP status and error code. */
    static final class S3StatusException extends IOException {
        private final int status;
        private final String code;

        S3StatusException(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }

        int status() {
            return status;
        }

        String code() {
            return code;
        }
    }
}
