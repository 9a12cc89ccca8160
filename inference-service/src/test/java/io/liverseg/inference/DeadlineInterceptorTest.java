package io.liverseg.inference;

import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DeadlineInterceptorTest {

    @Test
    void parsesGrpcTimeoutUnits() {
        assertThat(DeadlineInterceptor.timeoutNanos("2S")).isEqualTo(TimeUnit.SECONDS.toNanos(2));
        assertThat(DeadlineInterceptor.timeoutNanos("1500m")).isEqualTo(TimeUnit.MILLISECONDS.toNanos(1500));
        assertThat(DeadlineInterceptor.timeoutNanos("3M")).isEqualTo(TimeUnit.MINUTES.toNanos(3));
        assertThat(DeadlineInterceptor.timeoutNanos("1H")).isEqualTo(TimeUnit.HOURS.toNanos(1));
        assertThat(DeadlineInterceptor.timeoutNanos("250u")).isEqualTo(250_000L);
        assertThat(DeadlineInterceptor.timeoutNanos("99999999n")).isEqualTo(99_999_999L);
    }

    @Test
    void refusesMalformedValues() {
        assertThat(DeadlineInterceptor.timeoutNanos(null)).isNull();
        assertThat(DeadlineInterceptor.timeoutNanos("S")).isNull();
        assertThat(DeadlineInterceptor.timeoutNanos("12X")).isNull();
        assertThat(DeadlineInterceptor.timeoutNanos("123456789S")).isNull();
        assertThat(DeadlineInterceptor.timeoutNanos("-1S")).isNull();
    }

    /** The context a handler sees carries the header's deadline and is cancelled when it passes. */
    @Test
    void theCallsContextIsCancelledAtTheClientsDeadline() {
        DeadlineInterceptor interceptor = new DeadlineInterceptor();
        try {
            Metadata headers = new Metadata();
            headers.put(DeadlineInterceptor.TIMEOUT, "300m");
            AtomicReference<Context> seen = new AtomicReference<>();
            interceptor.interceptCall(new NoopCall(), headers, (call, h) -> {
                seen.set(Context.current());
                return new ServerCall.Listener<>() {
                };
            });
            Context ctx = seen.get();
            assertThat(ctx.getDeadline()).isNotNull();
            assertThat(ctx.getDeadline().timeRemaining(TimeUnit.MILLISECONDS)).isBetween(0L, 300L);
            assertThat(ctx.isCancelled()).isFalse();
            await().atMost(Duration.ofSeconds(10)).until(ctx::isCancelled);
            assertThat(ctx.cancellationCause()).isInstanceOf(TimeoutException.class);

            // without the header: no deadline
            AtomicReference<Context> plain = new AtomicReference<>();
            interceptor.interceptCall(new NoopCall(), new Metadata(), (call, h) -> {
                plain.set(Context.current());
                return new ServerCall.Listener<>() {
                };
            });
            assertThat(plain.get().getDeadline()).isNull();
        } finally {
            interceptor.shutdown();
        }
    }

    private static final class NoopCall extends ServerCall<String, String> {
        @Override
        public void request(int numMessages) {
        }

        @Override
        public void sendHeaders(Metadata headers) {
        }

        @Override
        public void sendMessage(String message) {
        }

        @Override
        public void close(Status status, Metadata trailers) {
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public Attributes getAttributes() {
            return Attributes.EMPTY;
        }

        @Override
        public MethodDescriptor<String, String> getMethodDescriptor() {
            return null;
        }
    }
}
