package io.liverseg.localstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Finds the broker jars and the S3Proxy jar that the build copied beside this module's classes.
 *
 * <p>They are never on the caller's classpath (a Kafka broker and a different kafka-clients on one classpath
 * break each other), so they are looked up as files: an explicit system property or environment variable
 * wins; otherwise a folder relative to this module's own classes or jar, and last the {@code target/} folder
 * of the build that produced this jar.
 */
final class Artifacts {

    static final String KAFKA_LIBS_PROPERTY = "liverseg.localstack.kafka.libs";
    static final String KAFKA_LIBS_ENV = "LIVERSEG_KAFKA_LIBS";
    static final String S3PROXY_JAR_PROPERTY = "liverseg.localstack.s3proxy.jar";
    static final String S3PROXY_JAR_ENV = "LIVERSEG_S3PROXY_JAR";

    private static final String BUILD_INFO = "/META-INF/liverseg-local-stack.properties";
    private static final String KAFKA_LIBS_RELATIVE = "kafka-broker/lib";
    private static final String S3PROXY_JAR_RELATIVE = "s3proxy/s3proxy.jar";

    private Artifacts() {
    }

    /** The folder holding the broker's jars ({@code kafka_2.13-*.jar} and its dependencies). */
    static Path kafkaLibs() throws IOException {
        return locate("Kafka broker jars", KAFKA_LIBS_PROPERTY, KAFKA_LIBS_ENV, KAFKA_LIBS_RELATIVE, "kafka.libs",
                Artifacts::isKafkaLibs);
    }

    /** S3Proxy's self-contained jar. */
    static Path s3proxyJar() throws IOException {
        return locate("S3Proxy jar", S3PROXY_JAR_PROPERTY, S3PROXY_JAR_ENV, S3PROXY_JAR_RELATIVE, "s3proxy.jar",
                Files::isRegularFile);
    }

    /** The Kafka broker version this module was built with. */
    static String kafkaVersion() {
        return buildInfo().getProperty("kafka.version", "unknown");
    }

    /** The S3Proxy version this module was built with. */
    static String s3proxyVersion() {
        return buildInfo().getProperty("s3proxy.version", "unknown");
    }

    static boolean isKafkaLibs(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().matches("kafka_2\\.13-.*\\.jar"));
        } catch (IOException e) {
            return false;
        }
    }

    private static Path locate(String what, String property, String env, String relative, String buildKey,
            Predicate<Path> valid) throws IOException {
        String explicit = System.getProperty(property);
        String source = "system property " + property;
        if (explicit == null || explicit.isBlank()) {
            explicit = System.getenv(env);
            source = "environment variable " + env;
        }
        if (explicit != null && !explicit.isBlank()) {
            // An explicit setting that is wrong must fail loudly, not fall back to some other copy.
            Path path = Path.of(explicit).toAbsolutePath();
            if (valid.test(path)) {
                return path;
            }
            throw new IOException(what + " not found at " + path + " (from " + source + ")");
        }
        List<Path> candidates = new ArrayList<>(relativeToCodeSource(relative));
        String built = buildInfo().getProperty(buildKey);
        if (built != null && !built.contains("${")) {
            candidates.add(Path.of(built));
        }
        for (Path candidate : candidates) {
            if (valid.test(candidate)) {
                return candidate.toAbsolutePath().normalize();
            }
        }
        throw new IOException(what + " not found; looked in " + candidates + ". Build the module first ("
                + "./mvnw -pl local-stack package), or set -D" + property + " or " + env + ".");
    }

    /**
     * {@code target/classes} → {@code target/<relative>}; {@code target/x.jar} → {@code target/<relative>};
     * {@code <app>/lib/x.jar} → {@code <app>/lib/<relative>} and {@code <app>/<relative>}.
     */
    static List<Path> relativeToCodeSource(String relative) {
        Path location = codeSource();
        if (location == null || location.getParent() == null) {
            return List.of();
        }
        List<Path> candidates = new ArrayList<>();
        candidates.add(location.getParent().resolve(relative));
        if (Files.isRegularFile(location) && location.getParent().getParent() != null) {
            candidates.add(location.getParent().getParent().resolve(relative));
        }
        return candidates;
    }

    private static Path codeSource() {
        CodeSource source = Artifacts.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return null;
        }
        try {
            return Path.of(source.getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return null;
        }
    }

    private static Properties buildInfo() {
        Properties properties = new Properties();
        try (InputStream in = Artifacts.class.getResourceAsStream(BUILD_INFO)) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }
}
