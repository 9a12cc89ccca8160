package io.liverseg.localstack;

import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.errors.ErrorResponseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * S3Proxy in a child JVM, serving the S3 API from a folder ({@code jclouds.provider=filesystem}), with AWS v2/v4
 * signatures checked against one fixed key pair.
 */
final class S3Server implements AutoCloseable {

    static final String MAIN = "org.gaul.s3proxy.Main";
    static final String ACCESS_KEY = "liverseg";
    static final String SECRET_KEY = "liverseg-secret";
    /** S3Proxy's region; naming it spares the client a GetBucketLocation round trip. */
    static final String REGION = "us-east-1";

    /**
     * The serial collector and a small heap keep it light on 2 cores, but not C1 only (as the broker): S3Proxy
     * hashes every byte it stores (MD5 for the ETag, SHA-256 to check a V4-signed payload), and C2's hashing
     * intrinsics are what makes a scan's PUT fast.
     */
    private static final List<String> JVM = List.of("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC",
            "-XX:-UsePerfData", "-Djava.awt.headless=true");
    private static final Duration POLL = Duration.ofMillis(100);

    private final int port;
    private final ChildJvm server;
    private final OkHttpClient http;
    private final MinioClient client;

    private S3Server(int port, ChildJvm server) {
        this.port = port;
        this.server = server;
        this.http = new OkHttpClient.Builder().build();
        this.client = MinioClient.builder().endpoint(endpoint(port)).credentials(ACCESS_KEY, SECRET_KEY)
                .region(REGION).httpClient(http).build();
    }

    /** Launches S3Proxy with its configuration in {@code dir} and objects under {@code storage}. */
    static S3Server launch(Path dir, Path storage, int port, Path bootstrap) throws IOException {
        Path jar = Artifacts.s3proxyJar();
        Files.createDirectories(storage);
        Path properties = dir.resolve("s3proxy.properties");
        PropertiesFile.write(properties, "liverseg local-stack: S3Proxy on a filesystem store",
                s3proxyProperties(port, storage));
        ChildJvm server = ChildJvm.start("S3Proxy", JVM, jar.toString(), MAIN,
                List.of("--properties", properties.toString()), dir, dir.resolve("s3proxy.log"), bootstrap);
        return new S3Server(port, server);
    }

    /** Waits until the port answers HTTP (any status: S3Proxy refuses unsigned requests with 403). */
    void awaitReady(Deadline deadline) throws IOException {
        OkHttpClient probe = http.newBuilder().connectTimeout(Duration.ofSeconds(1))
                .readTimeout(Duration.ofSeconds(2)).retryOnConnectionFailure(false).build();
        Request request = new Request.Builder().url(endpoint() + "/").get().build();
        try {
            while (true) {
                if (!server.isAlive()) {
                    throw server.failure("S3Proxy exited during start-up (exit code " + server.exitValue() + ")");
                }
                if (Net.accepts(port)) {
                    try {
                        probe.newCall(request).execute().close();
                        return;
                    } catch (IOException e) {
                        // Listening but not serving yet: poll again.
                    }
                }
                if (!deadline.pause(POLL)) {
                    throw server.failure("S3Proxy did not answer HTTP on port " + port + " within "
                            + deadline.total().toSeconds() + " s");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while waiting for S3Proxy", e);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    String endpoint() {
        return endpoint(port);
    }

    int port() {
        return port;
    }

    MinioClient client() {
        return client;
    }

    ProcessHandle process() {
        return server.handle();
    }

    Path log() {
        return server.log();
    }

    /** Creates a bucket unless it exists; an invalid S3 bucket name is an IllegalArgumentException. */
    void createBucket(String name) {
        try {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(name).build())) {
                client.makeBucket(MakeBucketArgs.builder().bucket(name).build());
            }
        } catch (ErrorResponseException e) {
            String code = e.errorResponse().code();
            if (!"BucketAlreadyOwnedByYou".equals(code) && !"BucketAlreadyExists".equals(code)) {
                throw new IllegalStateException("could not create bucket " + name + ": " + e.getMessage(), e);
            }
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("could not create bucket " + name + ": " + e, e);
        }
    }

    /** Stops S3Proxy (killed after {@code grace}) and releases the client's connections. */
    void stop(Duration grace) {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
        server.stop(grace);
    }

    @Override
    public void close() {
        stop(Duration.ZERO);
    }

    static String endpoint(int port) {
        return "http://" + Net.HOST + ":" + port;
    }

    static Map<String, String> s3proxyProperties(int port, Path storage) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("s3proxy.endpoint", endpoint(port));
        p.put("s3proxy.authorization", "aws-v2-or-v4");
        p.put("s3proxy.identity", ACCESS_KEY);
        p.put("s3proxy.credential", SECRET_KEY);
        p.put("jclouds.provider", "filesystem");
        p.put("jclouds.filesystem.basedir", storage.toAbsolutePath().toString());
        // The filesystem provider ignores these, but jclouds wants an identity to build its context.
        p.put("jclouds.identity", ACCESS_KEY);
        p.put("jclouds.credential", SECRET_KEY);
        return p;
    }
}
