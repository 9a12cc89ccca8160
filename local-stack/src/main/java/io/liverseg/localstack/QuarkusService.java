package io.liverseg.localstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A Quarkus application (fast-jar {@code target/quarkus-app/quarkus-run.jar}) as a child JVM on a free loopback
 * HTTP port, configured by system properties, its output in a log file, and dying with this JVM. Ready once
 * {@code /q/health/ready} answers 200: that is what {@code ./liverseg stack} and the end-to-end tests wait for.
 */
public final class QuarkusService implements AutoCloseable {
    private static final String QUARKUS_MAIN = "io.quarkus.bootstrap.runner.QuarkusEntryPoint";

    private final String name;
    private final ChildJvm jvm;
    private final int httpPort;

    private QuarkusService(String name, ChildJvm jvm, int httpPort) {
        this.name = name;
        this.jvm = jvm;
        this.httpPort = httpPort;
    }

    /**
     * Starts the application and waits until it is ready.
     *
     * @param name       what to call it in messages and the log file's name
     * @param runJar     the application's {@code quarkus-run.jar}
     * @param config     configuration, passed as {@code -Dkey=value} (HTTP port and host are added)
     * @param jvmOptions heap and other JVM options
     * @param logDir     where {@code name.log} goes
     * @param timeout    how long to wait for readiness
     */
    public static QuarkusService start(String name, Path runJar, Map<String, String> config, List<String> jvmOptions,
            Path logDir, Duration timeout) throws IOException {
        return start(name, runJar, config, jvmOptions, Map.of(), logDir, timeout);
    }

    /**
     * As {@link #start(String, Path, Map, List, Path, Duration)}, with changes to the environment the child
     * inherits: a value sets the variable, a null value removes it.
     */
    public static QuarkusService start(String name, Path runJar, Map<String, String> config, List<String> jvmOptions,
            Map<String, String> environment, Path logDir, Duration timeout) throws IOException {
        return start(name, runJar, config, jvmOptions, environment, 0, logDir, timeout);
    }

    /** True when children can be started at a lower priority (a {@code nice} executable is on the PATH). */
    public static boolean canLowerPriority() {
        return ChildJvm.niceCommand().isPresent();
    }

    /**
     * As {@link #start(String, Path, Map, List, Map, Path, Duration)}, at {@code niceness} relative to this JVM
     * (through {@code nice} where there is one, see {@link ChildJvm#niceCommand()}; 0 = the same priority).
     */
    public static QuarkusService start(String name, Path runJar, Map<String, String> config, List<String> jvmOptions,
            Map<String, String> environment, int niceness, Path logDir, Duration timeout) throws IOException {
        Objects.requireNonNull(name, "name");
        if (!Files.isRegularFile(runJar)) {
            throw new IOException(name + ": " + runJar + " does not exist; build it first (./mvnw package -DskipTests)");
        }
        int port = Net.freePorts(1)[0];
        List<String> options = new ArrayList<>(jvmOptions);
        options.add("-Dquarkus.http.host=" + Net.HOST);
        options.add("-Dquarkus.http.port=" + port);
        config.forEach((k, v) -> options.add("-D" + k + "=" + v));
        Path bootstrap = ChildJvm.writeBootstrap(Files.createDirectories(logDir.resolve(".bootstrap-" + name)));
        Path log = logDir.resolve(name + ".log");
        ChildJvm jvm = ChildJvm.start(name, options, runJar.toAbsolutePath().toString(), QUARKUS_MAIN, List.of(),
                environment, niceness, runJar.toAbsolutePath().getParent(), log, bootstrap);
        QuarkusService service = new QuarkusService(name, jvm, port);
        try {
            service.awaitReady(Deadline.in(timeout));
            return service;
        } catch (IOException | RuntimeException e) {
            service.close();
            throw e;
        }
    }

    private void awaitReady(Deadline deadline) throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5)).build();
        int last = -1;
        try {
            while (true) {
                if (!jvm.isAlive()) {
                    throw jvm.failure(name + " exited with code " + jvm.exitValue() + " before it was ready");
                }
                if (Net.accepts(httpPort)) {
                    try {
                        last = http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode();
                        if (last == 200) {
                            return;
                        }
                    } catch (IOException notYet) {
                        // The port opens before the health endpoint answers.
                    }
                }
                if (!deadline.pause(Duration.ofMillis(200))) {
                    throw jvm.failure(name + " was not ready within " + deadline.total().toSeconds() + " s (last "
                            + "health status " + last + ")");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + name, e);
        }
    }

    public String name() {
        return name;
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String baseUrl() {
        return "http://" + Net.HOST + ":" + httpPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public Path log() {
        return jvm.log();
    }

    public ProcessHandle process() {
        return jvm.handle();
    }

    public boolean isAlive() {
        return jvm.isAlive();
    }

    /**
     * Empty while the application runs; once its JVM has ended, why — {@link #describeExit} of its exit code and
     * log — so that whoever waits on it can say so instead of waiting for work that will never come.
     */
    public Optional<String> exit() {
        return jvm.isAlive() ? Optional.empty() : Optional.of(describeExit(name, jvm.exitValue(), jvm.log()));
    }

    /**
     * {@code "NAME exited with code C …; its log: LOG"}. A code of 128 + n is how a JVM killed by signal n is
     * reported; 137 (SIGKILL) is what the kernel's out-of-memory killer leaves, so the message says to look there.
     */
    public static String describeExit(String name, int code, Path log) {
        String why = "";
        if (code == 128 + 9) {
            why = " (killed by SIGKILL: if nobody killed it, the kernel's out-of-memory killer did; see dmesg)";
        } else if (code > 128 && code < 128 + 65) {
            why = " (killed by signal " + (code - 128) + ")";
        }
        return name + " exited with code " + code + why + "; its log: " + log;
    }

    /** Stops the application (SIGTERM, so Quarkus shuts down gracefully; killed after 20 s). */
    @Override
    public void close() {
        jvm.stop(Duration.ofSeconds(20));
    }

    @Override
    public String toString() {
        return name + " " + baseUrl();
    }
}
