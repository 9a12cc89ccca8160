package io.liverseg.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liverseg.localstack.LocalStack;
import io.liverseg.localstack.LocalStackExtension;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Against a real S3 server (S3Proxy from local-stack). */
@ExtendWith(LocalStackExtension.class)
class ObjectStoreIT {
    private ObjectStore store;

    @BeforeEach
    void setUp(LocalStack stack) {
        store = new ObjectStore(stack.s3Client(), "objectstore-it");
        store.ensureBucket();
        store.ensureBucket(); // a second call finds it and is harmless
    }

    /** A 512×512×300 float32 CT is ≈ 270 MB: over S3Proxy's 128 MiB limit for one signed PUT, so it goes in parts. */
    @Test
    void aFileOverTheSinglePutLimitIsStoredWhole(@TempDir Path tmp) throws Exception {
        long size = 130L * 1024 * 1024 + 17;
        assertThat(ObjectStore.partSize(size)).isLessThan(size);
        assertThat(ObjectStore.partSize(77_146_718)).isEqualTo(77_146_718); // the bench CT: one PUT
        Path big = tmp.resolve("big.bin");
        byte[] block = new byte[1 << 20];
        MessageDigest written = MessageDigest.getInstance("SHA-256");
        try (OutputStream out = Files.newOutputStream(big)) {
            for (long done = 0; done < size; done += block.length) {
                Arrays.fill(block, (byte) (done >>> 20));
                int n = (int) Math.min(block.length, size - done);
                out.write(block, 0, n);
                written.update(block, 0, n);
            }
        }
        store.putFile("big/ct.bin", big, "application/octet-stream");

        assertThat(store.size("big/ct.bin")).contains(size);
        MessageDigest read = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(store.open("big/ct.bin").orElseThrow(), read)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        assertThat(read.digest()).isEqualTo(written.digest());
        store.delete("big/ct.bin");
    }

    @Test
    void putGetStatListCopyDelete(@TempDir Path tmp) throws Exception {
        store.put("a/one.txt", "one".getBytes(StandardCharsets.UTF_8), "text/plain");
        Path f = Files.writeString(tmp.resolve("two.bin"), "two!");
        store.putFile("a/b/two.bin", f, "application/octet-stream");
        store.copy("a/one.txt", "c/one-copy.txt");

        assertThat(store.get("a/one.txt")).hasValueSatisfying(b -> assertThat(new String(b, StandardCharsets.UTF_8))
                .isEqualTo("one"));
        assertThat(store.size("a/b/two.bin")).contains(4L);
        assertThat(store.list("a/")).containsExactly("a/b/two.bin", "a/one.txt");
        Instant listed = Instant.now();
        assertThat(store.listEntries("a/")).satisfiesExactly(
                e -> assertThat(e).returns("a/b/two.bin", ObjectStore.Entry::key).returns(4L, ObjectStore.Entry::size),
                e -> assertThat(e).returns("a/one.txt", ObjectStore.Entry::key).returns(3L, ObjectStore.Entry::size))
                .allSatisfy(e -> assertThat(e.lastModified()).isBetween(listed.minusSeconds(60), listed.plusSeconds(5)));
        assertThat(store.get("c/one-copy.txt")).hasValueSatisfying(b -> assertThat(b).hasSize(3));
        try (InputStream in = store.open("a/b/two.bin").orElseThrow()) {
            assertThat(in.readAllBytes()).asString(StandardCharsets.UTF_8).isEqualTo("two!");
        }
        Path target = tmp.resolve("down.bin");
        assertThat(store.download("a/b/two.bin", target)).isTrue();
        assertThat(Files.readString(target)).isEqualTo("two!");

        store.delete("a/one.txt");
        assertThat(store.exists("a/one.txt")).isFalse();
        assertThat(store.list("a/")).containsExactly("a/b/two.bin");
    }

    /** More keys than one multi-object delete takes (1000), some of them never stored: all gone, nothing else. */
    @Test
    void deleteAllRemovesEveryKeyInRequestsOfAThousand() {
        java.util.List<String> keys = new java.util.ArrayList<>();
        for (int i = 0; i < 1003; i++) {
            String key = String.format(java.util.Locale.ROOT, "many/k-%04d", i);
            keys.add(key);
            if (i % 100 != 7) {
                store.put(key, new byte[] {(byte) i}, "application/octet-stream");
            }
        }
        store.put("many-kept/k-0000", new byte[] {1}, "application/octet-stream");
        assertThat(store.list("many/")).hasSize(1003 - 10);

        store.deleteAll(keys);

        assertThat(store.list("many/")).isEmpty();
        assertThat(store.list("many-kept/")).containsExactly("many-kept/k-0000");
        store.deleteAll(java.util.List.of());
    }

    /** Both ways of signing store the same bytes and content type, including under keys that need URL encoding. */
    @Test
    void unsignedAndSignedPutsStoreTheSameObjects(LocalStack stack, @TempDir Path tmp) throws Exception {
        ObjectStore signed = new ObjectStore(stack.s3Client(), "objectstore-it", ObjectStore.PayloadSigning.SIGNED,
                null);
        assertThat(store.signing()).isEqualTo(ObjectStore.PayloadSigning.UNSIGNED);
        assertThatThrownBy(() -> new ObjectStore(stack.s3Client(), "objectstore-it",
                ObjectStore.PayloadSigning.UNSIGNED, null)).isInstanceOf(IllegalArgumentException.class);
        byte[] data = new byte[3 * 1024 * 1024 + 5];
        new java.util.Random(7).nextBytes(data);
        Path file = Files.write(tmp.resolve("scan.bin"), data);
        for (ObjectStore s : new ObjectStore[] {store, signed}) {
            String prefix = "signing/" + s.signing() + "/a key with spaces+plus é/";
            s.put(prefix + "bytes", data, "application/x-liverseg-test");
            s.putFile(prefix + "file", file, "application/gzip");

            assertThat(s.get(prefix + "bytes")).hasValueSatisfying(b -> assertThat(b).isEqualTo(data));
            assertThat(s.get(prefix + "file")).hasValueSatisfying(b -> assertThat(b).isEqualTo(data));
            assertThat(stack.s3Client().statObject(io.minio.StatObjectArgs.builder().bucket("objectstore-it")
                    .object(prefix + "bytes").build()).contentType()).isEqualTo("application/x-liverseg-test");
            assertThat(stack.s3Client().statObject(io.minio.StatObjectArgs.builder().bucket("objectstore-it")
                    .object(prefix + "file").build()).contentType()).isEqualTo("application/gzip");
        }
    }

    /** S3's refusal of an unsigned PUT reaches the caller with its status and code, naming bucket and key. */
    @Test
    void aRefusedUnsignedPutIsAStorageExceptionWithS3sCode(LocalStack stack) {
        io.minio.MinioClient wrongSecret = io.minio.MinioClient.builder().endpoint(stack.s3Endpoint())
                .credentials(stack.s3AccessKey(), stack.s3SecretKey() + "-wrong").region(stack.s3Region()).build();
        ObjectStore refused = new ObjectStore(wrongSecret, "objectstore-it");
        assertThatThrownBy(() -> refused.put("refused/one.txt", new byte[] {1, 2, 3}, "text/plain"))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("objectstore-it/refused/one.txt")
                .hasMessageContaining("HTTP 403")
                .hasMessageContaining("SignatureDoesNotMatch");
        assertThat(store.exists("refused/one.txt")).isFalse();
    }

    @Test
    void missingObjectsAreEmptyNotErrors(@TempDir Path tmp) {
        assertThat(store.get("nope/nothing")).isEmpty();
        assertThat(store.open("nope/nothing")).isEmpty();
        assertThat(store.size("nope/nothing")).isEmpty();
        assertThat(store.download("nope/nothing", tmp.resolve("x"))).isFalse();
        assertThat(tmp.resolve("x")).doesNotExist();
        assertThat(store.list("nope/")).isEmpty();
    }

    @Test
    void aMissingBucketIsAStorageExceptionNamingBucketAndKey(LocalStack stack) {
        ObjectStore absent = new ObjectStore(stack.s3Client(), "no-such-bucket-here");
        assertThatThrownBy(() -> absent.get("k/1"))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("no-such-bucket-here/k/1")
                .satisfies(e -> assertThat(((StorageException) e).key()).isEqualTo("k/1"));
    }
}
