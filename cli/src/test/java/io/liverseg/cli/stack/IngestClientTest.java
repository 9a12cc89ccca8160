package io.liverseg.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link IngestClient#awaitDone} against a stand-in for ingest's status endpoint on loopback. */
class IngestClientTest {
    private HttpServer server;
    private final AtomicInteger polls = new AtomicInteger();
    private volatile String status = "preprocessing";

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/scans/", exchange -> {
            polls.incrementAndGet();
            byte[] body = ("{\"id\":\"s1\",\"status\":\"" + status + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private IngestClient client() {
        return new IngestClient("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Test
    void aStopReasonEndsTheWaitWithThatReason() {
        // the scan never finishes; after two polls the stack reports a dead part
        // a timeout well above the two polls (≈ 0.25 s), so that ignoring the reason fails this test quickly
        assertThatThrownBy(() -> client().awaitDone("s1", Duration.ofSeconds(10),
                () -> polls.get() >= 2 ? Optional.of("inference exited with code 137") : Optional.empty()))
                .isInstanceOf(IOException.class)
                .hasMessage("scan s1 cannot finish: inference exited with code 137");
        assertThat(polls.get()).isEqualTo(2);
    }

    @Test
    void withoutAStopReasonItReturnsTheFinalStatus() throws Exception {
        status = "mask_ready";
        assertThat(client().awaitDone("s1", Duration.ofSeconds(30), Optional::empty))
                .hasValueSatisfying(s -> assertThat(s.path("status").asText()).isEqualTo("mask_ready"));
    }
}
