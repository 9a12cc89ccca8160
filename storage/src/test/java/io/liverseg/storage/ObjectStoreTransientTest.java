package io.liverseg.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.minio.errors.ErrorResponseException;
import io.minio.errors.InvalidResponseException;
import io.minio.errors.ServerException;
import io.minio.messages.ErrorResponse;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.NoSuchFileException;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** Which failures {@link ObjectStore} tries again: those that pass, not refusals. */
class ObjectStoreTransientTest {

    @Test
    void networkFailuresAreTriedAgain() {
        assertThat(ObjectStore.isTransient(new ConnectException("Connection refused"))).isTrue();
        assertThat(ObjectStore.isTransient(new SocketException("Connection reset"))).isTrue();
        assertThat(ObjectStore.isTransient(new SocketTimeoutException("timeout"))).isTrue();
        assertThat(ObjectStore.isTransient(new UnknownHostException("minio.minio"))).isTrue();
        // okhttp: "unexpected end of stream on http://…" with the EOFException as its cause
        assertThat(ObjectStore.isTransient(new IOException("unexpected end of stream", new EOFException()))).isTrue();
    }

    @Test
    void serverErrorsAndSlowDownAreTriedAgainButRefusalsAreNot() {
        assertThat(ObjectStore.isTransient(s3Error("InternalError", 500))).isTrue();
        assertThat(ObjectStore.isTransient(s3Error("ServiceUnavailable", 503))).isTrue();
        assertThat(ObjectStore.isTransient(s3Error("SlowDown", 503))).isTrue();
        assertThat(ObjectStore.isTransient(s3Error("XMinioServerNotInitialized", 503))).isTrue();
        assertThat(ObjectStore.isTransient(s3Error("SomethingNew", 502))).isTrue();
        assertThat(ObjectStore.isTransient(s3Error("NoSuchBucket", 404))).isFalse();
        assertThat(ObjectStore.isTransient(s3Error("AccessDenied", 403))).isFalse();
        assertThat(ObjectStore.isTransient(s3Error("SignatureDoesNotMatch", 403))).isFalse();

        assertThat(ObjectStore.isTransient(new ServerException("bad gateway", 502, ""))).isTrue();
        assertThat(ObjectStore.isTransient(new InvalidResponseException(503, "text/html", "<html>", ""))).isTrue();
        assertThat(ObjectStore.isTransient(new ObjectStore.S3StatusException(503, "SlowDown", "HTTP 503"))).isTrue();
        assertThat(ObjectStore.isTransient(new ObjectStore.S3StatusException(429, "TooManyRequests", "HTTP 429")))
                .isTrue();
        assertThat(ObjectStore.isTransient(new ObjectStore.S3StatusException(403, "AccessDenied", "HTTP 403")))
                .isFalse();
    }

    @Test
    void localFileErrorsAndInterruptsAreNotTriedAgain() {
        assertThat(ObjectStore.isTransient(new NoSuchFileException("/tmp/spool-1.nii.gz"))).isFalse();
        assertThat(ObjectStore.isTransient(new InterruptedException())).isFalse();
        assertThat(ObjectStore.isTransient(new IllegalArgumentException("bad key"))).isFalse();
    }

    private static ErrorResponseException s3Error(String code, int status) {
        Response response = new Response.Builder()
                .request(new Request.Builder().url("http://127.0.0.1:9/liverseg/scans/x").build())
                .protocol(Protocol.HTTP_1_1)
                .code(status)
                .message(code)
                .build();
        return new ErrorResponseException(new ErrorResponse(code, code, "liverseg", "scans/x", "/liverseg/scans/x",
                "req", "host"), response, "");
    }
}
