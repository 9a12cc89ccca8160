package io.liverseg.storage;

import io.minio.http.HttpUtils;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import okhttp3.OkHttpClient;

/**
 * The HTTP client every liverseg MinIO client should use: MinIO's own default (HTTP/1.1, 5-minute timeouts) with
 * {@code TCP_NODELAY} on its sockets.
 *
 * <p>Why: OkHttp leaves Nagle's algorithm on, and a PUT then waits for the server's delayed ACK before its last
 * segment leaves — every small PUT (mask parts, batch plans, reports, markers) took ≈ 50 ms against S3Proxy where
 * curl takes 3–6 ms; with {@code TCP_NODELAY} the same PUTs take 5–12 ms. A scan makes dozens of them on its
 * critical path.
 */
public final class S3HttpClients {
    private static final long TIMEOUT_MS = TimeUnit.MINUTES.toMillis(5);

    private S3HttpClients() {
    }

    /** The process's client: {@link #tcpNoDelay()} made once, so the MinIO client and {@link ObjectStore} share a pool. */
    public static OkHttpClient shared() {
        return Shared.CLIENT;
    }

    /** A new client; share one per process (it owns a connection pool). */
    public static OkHttpClient tcpNoDelay() {
        return HttpUtils.newDefaultHttpClient(TIMEOUT_MS, TIMEOUT_MS, TIMEOUT_MS).newBuilder()
                .socketFactory(new NoDelaySocketFactory(SocketFactory.getDefault()))
                .build();
    }

    private static final class Shared {
        static final OkHttpClient CLIENT = tcpNoDelay();
    }

    /** Sockets from {@code delegate} with {@code TCP_NODELAY} set. */
    static final class NoDelaySocketFactory extends SocketFactory {
        private final SocketFactory delegate;

        NoDelaySocketFactory(SocketFactory delegate) {
            this.delegate = delegate;
        }

        @Override
        public Socket createSocket() throws IOException {
            return noDelay(delegate.createSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return noDelay(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return noDelay(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return noDelay(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return noDelay(delegate.createSocket(address, port, localAddress, localPort));
        }

        private static Socket noDelay(Socket s) throws IOException {
            s.setTcpNoDelay(true);
            return s;
        }
    }
}
