package io.liverseg.inference;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Gives every call a {@link Context} that is cancelled when the client's deadline (the {@code grpc-timeout}
 * request header) passes. grpc-java's own server does this itself, but the Vert.x gRPC server that serves gRPC on
 * the HTTP port ({@code quarkus.grpc.server.use-separate-server=false}) does not: without this a call whose client
 * gave up on its deadline would run on until the client's cancel arrives — or forever for a client that never
 * sends one.
 */
@ApplicationScoped
public class DeadlineInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> TIMEOUT = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);

    /** Name of the thread that ends calls at their deadline. */
    static final String THREAD = "liverseg-grpc-deadlines";

    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named(THREAD));

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        Long nanos = timeoutNanos(headers.get(TIMEOUT));
        if (nanos == null) {
            return next.startCall(call, headers);
        }
        Context.CancellableContext ctx = Context.current().withDeadline(Deadline.after(nanos, TimeUnit.NANOSECONDS),
                scheduler);
        ServerCall.Listener<Q> listener = Contexts.interceptCall(ctx, call, headers, next);
        return new io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onComplete() {
                try {
                    super.onComplete();
                } finally {
                    ctx.cancel(null);
                }
            }

            @Override
            public void onCancel() {
                try {
                    super.onCancel();
                } finally {
                    ctx.cancel(null);
                }
            }
        };
    }

    /** {@code grpc-timeout}: at most 8 digits and a unit H, M, S, m, u or n; null when absent or malformed. */
    static Long timeoutNanos(String value) {
        if (value == null || value.length() < 2 || value.length() > 9) {
            return null;
        }
        long n;
        try {
            n = Long.parseLong(value.substring(0, value.length() - 1));
        } catch (NumberFormatException e) {
            return null;
        }
        if (n < 0) {
            return null;
        }
        return switch (value.charAt(value.length() - 1)) {
            case 'H' -> TimeUnit.HOURS.toNanos(n);
            case 'M' -> TimeUnit.MINUTES.toNanos(n);
            case 'S' -> TimeUnit.SECONDS.toNanos(n);
            case 'm' -> TimeUnit.MILLISECONDS.toNanos(n);
            case 'u' -> TimeUnit.MICROSECONDS.toNanos(n);
            case 'n' -> n;
            default -> null;
        };
    }

    @PreDestroy
    void shutdown() {
        scheduler.shutdownNow();
    }
}
