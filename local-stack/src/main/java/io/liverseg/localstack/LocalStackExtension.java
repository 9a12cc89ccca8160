package io.liverseg.localstack;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5/6 extension giving tests the test JVM's shared {@link LocalStack} ({@link SharedLocalStack}): started
 * lazily before the first class that uses it, and stopped by a JVM shutdown hook when the test JVM exits.
 *
 * <pre>{@code
 * @ExtendWith(LocalStackExtension.class)
 * class UploadIT {
 *     @Test
 *     void uploads(LocalStack stack) {
 *         stack.createBucket("scans");
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <p>Any constructor, lifecycle or test method parameter of type {@link LocalStack} is resolved. The stack is
 * shared, so tests should use their own topic and bucket names.
 */
public final class LocalStackExtension implements BeforeAllCallback, ParameterResolver {

    /** Starts the shared stack before the class's tests so a start-up failure shows once, at class level. */
    @Override
    public void beforeAll(ExtensionContext context) {
        SharedLocalStack.get();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == LocalStack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return SharedLocalStack.get();
    }

    /** The shared stack, for code that has no parameter to receive it in. */
    public static LocalStack stack() {
        return SharedLocalStack.get();
    }
}
