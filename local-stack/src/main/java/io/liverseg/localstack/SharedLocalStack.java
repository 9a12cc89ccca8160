package io.liverseg.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one stack a test JVM shares: started on first use (Kafka and S3, temporary folder), stopped by its JVM
 * shutdown hook. {@link LocalStackExtension} and {@link LocalStackResource} both use it, so a test run that mixes
 * plain JUnit ITs and {@code @QuarkusTest}s starts one broker and one S3 server, not one per test class.
 */
public final class SharedLocalStack {

    private static LocalStack stack;
    private static IOException failure;

    private SharedLocalStack() {
    }

    /**
     * The shared stack, started if needed.
     *
     * @throws UncheckedIOException if it could not start; later calls fail at once with the same cause instead
     *     of waiting for another start-up timeout
     */
    public static synchronized LocalStack get() {
        if (failure != null) {
            throw new UncheckedIOException("the shared local stack failed to start earlier", failure);
        }
        if (stack == null || stack.isClosed()) {
            try {
                stack = LocalStack.start(LocalStack.Options.defaults());
            } catch (IOException e) {
                failure = e;
                throw new UncheckedIOException("the shared local stack failed to start", e);
            }
        }
        return stack;
    }
}
