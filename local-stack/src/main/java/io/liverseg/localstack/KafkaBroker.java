package io.liverseg.localstack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A single-node Kafka cluster in KRaft combined mode (broker and controller in one child JVM), started the way
 * Kafka's scripts do it: {@code kafka.tools.StorageTool format --standalone}, then {@code kafka.Kafka}.
 */
final class KafkaBroker implements AutoCloseable {

    static final String SERVER_MAIN = "kafka.Kafka";
    static final String STORAGE_TOOL_MAIN = "kafka.tools.StorageTool";

    /** C1 only and the serial collector: a test broker starts faster and smaller, which matters on 2 cores. */
    private static final List<String> SERVER_JVM = List.of("-Xms64m", "-Xmx512m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Djava.awt.headless=true");
    private static final List<String> TOOL_JVM = List.of("-Xmx128m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData");
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration API_TIMEOUT = Duration.ofSeconds(30);

    private final int port;
    private final ChildJvm server;
    private volatile Admin admin;

    private KafkaBroker(int port, ChildJvm server) {
        this.port = port;
        this.server = server;
    }

    /**
     * Formats {@code dir/data} unless it already holds a cluster, and launches the broker; call
     * {@link #awaitReady} before use.
     */
    static KafkaBroker launch(Path dir, int port, int controllerPort, Path bootstrap, Duration timeout)
            throws IOException {
        Path libs = Artifacts.kafkaLibs();
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Path serverProperties = dir.resolve("server.properties");
        PropertiesFile.write(serverProperties, "liverseg local-stack: single-node KRaft (broker + controller)",
                serverProperties(port, controllerPort, data));
        Path log4j = dir.resolve("log4j2.xml");
        Files.writeString(log4j, LOG4J2_XML, StandardCharsets.UTF_8);
        Path log = dir.resolve("kafka.log");
        String classpath = libs.resolve("*").toString();
        // log4j's own shutdown hook would race Kafka's and swallow the shutdown messages.
        List<String> logging = List.of("-Dlog4j2.configurationFile=" + log4j.toUri(),
                "-Dlog4j2.shutdownHookEnabled=false");

        if (!Files.exists(data.resolve("meta.properties"))) {
            ChildJvm format = ChildJvm.start("kafka-storage format", concat(TOOL_JVM, logging), classpath,
                    STORAGE_TOOL_MAIN, List.of("format", "--cluster-id", newClusterId(), "--config",
                            serverProperties.toString(), "--standalone"),
                    dir, log, bootstrap);
            format.awaitSuccess(timeout);
        }
        ChildJvm server = ChildJvm.start("Kafka broker", concat(SERVER_JVM, logging), classpath, SERVER_MAIN,
                List.of(serverProperties.toString()), dir, log, bootstrap);
        return new KafkaBroker(port, server);
    }

    /**
     * Waits until the broker accepts connections and answers a metadata request (AdminClient
     * {@code describeCluster} lists a node); on failure stops it and reports the tail of its log.
     */
    void awaitReady(Deadline deadline) throws IOException {
        try {
            while (!Net.accepts(port)) {
                checkAlive();
                if (!deadline.pause(POLL)) {
                    throw timeout(deadline, "accept connections on port " + port);
                }
            }
            admin = Admin.create(adminConfig(bootstrapServers()));
            while (true) {
                checkAlive();
                try {
                    Collection<Node> nodes = admin.describeCluster().nodes()
                            .get(Math.max(1, Math.min(5_000, deadline.remaining().toMillis())), TimeUnit.MILLISECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    // Not ready yet (still starting, or fenced): poll again.
                }
                if (!deadline.pause(POLL)) {
                    throw timeout(deadline, "answer a metadata request (describeCluster)");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while waiting for the Kafka broker", e);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    String bootstrapServers() {
        return Net.HOST + ":" + port;
    }

    int port() {
        return port;
    }

    Admin admin() {
        return requireAdmin();
    }

    ProcessHandle process() {
        return server.handle();
    }

    Path log() {
        return server.log();
    }

    /**
     * Creates a topic with replication factor 1; a topic that already exists is left as it is. Retries while the
     * freshly started broker is not yet counted as available.
     */
    void createTopic(String name, int partitions) {
        Admin client = requireAdmin();
        Deadline deadline = Deadline.in(API_TIMEOUT);
        while (true) {
            try {
                client.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all()
                        .get(API_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    return;
                }
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.RetriableException
                        || e.getCause() instanceof org.apache.kafka.common.errors.InvalidReplicationFactorException)) {
                    throw new IllegalStateException("could not create topic " + name + ": " + e.getCause(), e);
                }
                try {
                    if (!deadline.pause(POLL)) {
                        throw new IllegalStateException("could not create topic " + name + " within "
                                + API_TIMEOUT.toSeconds() + " s: " + e.getCause(), e);
                    }
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while creating topic " + name, interrupted);
                }
            } catch (TimeoutException e) {
                throw new IllegalStateException("could not create topic " + name + " within "
                        + API_TIMEOUT.toSeconds() + " s", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while creating topic " + name, e);
            }
        }
    }

    /** Stops the client, then the broker (clean shutdown, killed after {@code grace}). */
    void stop(Duration grace) {
        Admin client = admin;
        admin = null;
        if (client != null) {
            client.close(Duration.ZERO);
        }
        server.stop(grace);
    }

    @Override
    public void close() {
        stop(Duration.ZERO);
    }

    private Admin requireAdmin() {
        Admin client = admin;
        if (client == null) {
            throw new IllegalStateException("the Kafka broker is not running");
        }
        return client;
    }

    private void checkAlive() throws IOException {
        if (!server.isAlive()) {
            throw server.failure("the Kafka broker exited during start-up (exit code " + server.exitValue() + ")");
        }
    }

    private IOException timeout(Deadline deadline, String what) {
        return server.failure("the Kafka broker did not " + what + " within " + deadline.total().toSeconds() + " s");
    }

    /** The broker's configuration: loopback only, one node, every internal topic at replication factor 1. */
    static Map<String, String> serverProperties(int port, int controllerPort, Path data) {
        String controller = Net.HOST + ":" + controllerPort;
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.bootstrap.servers", controller);
        p.put("listeners", "PLAINTEXT://" + Net.HOST + ":" + port + ",CONTROLLER://" + controller);
        p.put("advertised.listeners", "PLAINTEXT://" + Net.HOST + ":" + port + ",CONTROLLER://" + controller);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        p.put("log.dirs", data.toAbsolutePath().toString());
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        // 50 partitions by default: creating them makes the first consumer group slow to join.
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("share.coordinator.state.topic.num.partitions", "5");
        // Consumers in tests join at once instead of after the default 3 s.
        p.put("group.initial.rebalance.delay.ms", "0");
        // The log cleaner allocates this on the heap up front (128 MB by default).
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("background.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        return p;
    }

    /**
     * A random cluster id as Kafka's {@code kafka-storage random-uuid} makes it: 16 random bytes, URL-safe base64
     * without padding, never starting with '-' (it would read as a command-line flag).
     */
    static String newClusterId() {
        while (true) {
            UUID uuid = UUID.randomUUID();
            ByteBuffer bytes = ByteBuffer.allocate(16);
            bytes.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
            String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
            if (!id.startsWith("-")) {
                return id;
            }
        }
    }

    static Map<String, Object> adminConfig(String bootstrapServers) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "liverseg-local-stack");
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        config.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 100);
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 50);
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        return config;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    /** Kafka's own layout ("[time] LEVEL message (logger)") to the child's stdout, which goes to kafka.log. */
    static final String LOG4J2_XML = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- Written by liverseg local-stack: the broker's stdout is appended to kafka.log beside this file. -->
            <Configuration status="WARN">
              <Appenders>
                <Console name="STDOUT" target="SYSTEM_OUT">
                  <PatternLayout pattern="[%d] %p %m (%c)%n"/>
                </Console>
              </Appenders>
              <Loggers>
                <Root level="INFO">
                  <AppenderRef ref="STDOUT"/>
                </Root>
                <Logger name="kafka.request.logger" level="WARN"/>
                <Logger name="org.apache.kafka.common.config.AbstractConfig" level="WARN"/>
              </Loggers>
            </Configuration>
            """;
}
