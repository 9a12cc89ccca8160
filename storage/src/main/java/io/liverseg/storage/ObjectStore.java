package io.liverseg.storage;

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
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.UploadObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.http.Method;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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

    private final MinioClient client;
    private final String bucket;
    private final PayloadSigning signing;
    private final OkHttpClient http;

    /**
     * Objects up to this size go up in one PUT. The client's default picks 5 MiB parts, which turns a 77 MB CT into
     * 16 part requests plus a completion that makes the server copy the parts together again; S3 recommends
     * multipart uploads from about 100 MB, and S3Proxy refuses a signed single PUT over 128 MiB ("Your request was
     * too big": it buffers such a body to check its SHA-256), which a 512×512×300 float32 CT (≈ 270 MB) exceeds.
     */
    static final long SINGLE_PUT_MAX = 100L * 1024 * 1024;
    /** Part size of larger objects' multipart uploads. */
    static final long MULTIPART_PART = 64L * 1024 * 1024;

    /** Single PUTs unsigned ({@link PayloadSigning#UNSIGNED}) through {@link S3HttpClients#shared()}. */
    public ObjectStore(MinioClient client, String bucket) {
        this(client, bucket, PayloadSigning.UNSIGNED, S3HttpClients.shared());
    }

    /**
     * @param signing how single PUTs are signed
     * @param http    the client for unsigned PUTs (ideally the one {@code client} uses); unused when signed
     */
    public ObjectStore(MinioClient client, String bucket, PayloadSigning signing, OkHttpClient http) {
        this.client = client;
        this.bucket = bucket;
        this.signing = Objects.requireNonNull(signing, "signing");
        if (signing == PayloadSigning.UNSIGNED && http == null) {
            throw new IllegalArgumentException("unsigned PUTs need an HTTP client");
        }
        this.http = http;
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
                throw new IOException("HTTP " + response.code() + " " + first(ERROR_CODE, text, response.message())
                        + ": " + first(ERROR_MESSAGE, text, ""));
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

    /** Keys under a prefix (recursive), in S3's lexicographic order. */
    public List<String> list(String prefix) {
        return call("list", prefix, () -> {
            List<String> keys = new ArrayList<>();
            for (Result<Item> r : client.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(prefix)
                    .recursive(true).build())) {
                Item item = r.get();
                if (!item.isDir()) {
                    keys.add(item.objectName());
                }
            }
            return keys;
        });
    }

    public void delete(String key) {
        call("delete", key, () -> {
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
            return null;
        });
    }

    private static boolean isMissing(ErrorResponseException e) {
        String code = e.errorResponse().code();
        return "NoSuchKey".equals(code) || "NoSuchObject".equals(code);
    }

    private interface S3Call<T> {
        T run() throws Exception;
    }

    private <T> T call(String what, String key, S3Call<T> op) {
        try {
            return op.run();
        } catch (StorageException | UncheckedIOException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("S3 " + what + " " + bucket + "/" + key + " interrupted", key, e);
        } catch (Exception e) {
            throw new StorageException("S3 " + what + " " + bucket + "/" + key + " failed: " + e.getMessage(), key, e);
        }
    }
}
