package io.liverseg.localstack;

import io.minio.MinioClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;

/**
 * A real Kafka broker (KRaft, combined mode) and an S3-compatible server (S3Proxy), each in a child JVM on
 * {@code 127.0.0.1}, on free ports, with their data under one folder.
 *
 * <p>{@link #close()} stops both JVMs and waits for them; a JVM shutdown hook does the same if the caller never
 * closes, and each child also exits on its own when this JVM dies. A temporary data folder is deleted on close;
 * a given one is kept, and a later stack on the same folder reuses its ports and data.
 */
public final class LocalStack implements Infrastructure {

    /** Time a child gets to shut down cleanly before it is killed. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final String STATE_FILE = "local-stack.properties";

    private final Path dataDir;
    private final boolean temporary;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;
    private volatile KafkaBroker kafka;
    private volatile S3Server s3;

    private LocalStack(Path dataDir, boolean temporary) {
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.shutdownHook = new Thread(this::stopAll, "liverseg-local-stack-shutdown");
    }

    /**
     * Starts what {@code options} asks for and waits until it is ready, then creates the requested topics and
     * buckets.
     *
     * @throws IOException if a server's jars are missing, or a server did not start in time (the message ends
     *     with the tail of its log)
     */
    public static LocalStack start(Options options) throws IOException {
        Objects.requireNonNull(options, "options");
        boolean temporary = options.dataDir() == null;
        Path dir = temporary ? Files.createTempDirectory("liverseg-local-stack-")
                : Files.createDirectories(options.dataDir()).toAbsolutePath().normalize();
        LocalStack stack = new LocalStack(dir, temporary);
        Runtime.getRuntime().addShutdownHook(stack.shutdownHook);
        try {
            stack.launch(options);
            return stack;
        } catch (IOException | RuntimeException | Error e) {
            stack.close();
            throw e;
        }
    }

    /** Starts Kafka and S3 with a temporary data folder. */
    public static LocalStack start() throws IOException {
        return start(Options.defaults());
    }

    private void launch(Options options) throws IOException {
        Map<String, String> state = readState();
        int[] free = Net.freePorts(3);
        int kafkaPort = pickPort(options.kafkaPort(), state.get("kafka.port"), free[0]);
        int controllerPort = pickPort(0, state.get("kafka.controller.port"), free[1]);
        int s3Port = pickPort(options.s3Port(), state.get("s3.port"), free[2]);
        if (!temporary) {
            Map<String, String> ports = new LinkedHashMap<>();
            ports.put("kafka.port", Integer.toString(kafkaPort));
            ports.put("kafka.controller.port", Integer.toString(controllerPort));
            ports.put("s3.port", Integer.toString(s3Port));
            // A KRaft quorum records its controller's address: a restart on this folder must keep the ports.
            PropertiesFile.write(dataDir.resolve(STATE_FILE), "liverseg local-stack ports for this folder", ports);
        }
        Path bootstrap = ChildJvm.writeBootstrap(dataDir.resolve("bootstrap"));
        Deadline deadline = Deadline.in(options.startTimeout());
        // S3Proxy starts while Kafka's storage is formatted: both JVMs boot in parallel.
        if (options.s3()) {
            s3 = S3Server.launch(dataDir.resolve("s3proxy"), dataDir.resolve("s3"), s3Port, bootstrap);
        }
        if (options.kafka()) {
            kafka = KafkaBroker.launch(dataDir.resolve("kafka"), kafkaPort, controllerPort, bootstrap,
                    options.startTimeout());
            kafka.awaitReady(deadline);
        }
        if (s3 != null) {
            s3.awaitReady(deadline);
        }
        for (Topic topic : options.topics()) {
            createTopic(topic.name(), topic.partitions());
        }
        for (String bucket : options.buckets()) {
            createBucket(bucket);
        }
    }

    private Map<String, String> readState() throws IOException {
        Path file = dataDir.resolve(STATE_FILE);
        return !temporary && Files.isRegularFile(file) ? PropertiesFile.read(file) : Map.of();
    }

    private static int pickPort(int requested, String stored, int free) throws IOException {
        if (requested > 0) {
            return requested;
        }
        if (stored != null) {
            int port = Integer.parseInt(stored.trim());
            if (!Net.isFree(port)) {
                throw new IOException("port " + port + ", recorded for this data folder, is in use; stop whatever "
                        + "holds it or use a fresh data folder");
            }
            return port;
        }
        return free;
    }

    /** {@code 127.0.0.1:PORT}, for {@code bootstrap.servers}. */
    public String kafkaBootstrapServers() {
        return requireKafka().bootstrapServers();
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String s3Endpoint() {
        return requireS3().endpoint();
    }

    /** The S3 access key (S3Proxy identity). */
    public String s3AccessKey() {
        requireS3();
        return S3Server.ACCESS_KEY;
    }

    /** The S3 secret key (S3Proxy credential). */
    public String s3SecretKey() {
        requireS3();
        return S3Server.SECRET_KEY;
    }

    /** The region to sign requests for. */
    public String s3Region() {
        requireS3();
        return S3Server.REGION;
    }

    /** The folder holding both servers' configuration, logs and data. */
    public Path dataDir() {
        return dataDir;
    }

    /** Whether {@link #dataDir()} is a temporary folder that {@link #close()} deletes. */
    public boolean temporaryDataDir() {
        return temporary;
    }

    /** Creates a topic with replication factor 1; an existing topic is left as it is. */
    public void createTopic(String name, int partitions) {
        Topic topic = new Topic(name, partitions);
        requireKafka().createTopic(topic.name(), topic.partitions());
    }

    /** Creates a bucket unless it exists. */
    public void createBucket(String name) {
        requireS3().createBucket(Objects.requireNonNull(name, "name"));
    }

    /** An admin client on the broker, owned by this stack (do not close it). */
    public Admin kafkaAdmin() {
        return requireKafka().admin();
    }

    /** A MinIO client on the S3 endpoint with this stack's keys, owned by this stack. */
    public MinioClient s3Client() {
        return requireS3().client();
    }

    /** The broker's child JVM, if Kafka was started. */
    public Optional<ProcessHandle> kafkaProcess() {
        KafkaBroker broker = kafka;
        return broker == null ? Optional.empty() : Optional.of(broker.process());
    }

    /** S3Proxy's child JVM, if S3 was started. */
    public Optional<ProcessHandle> s3Process() {
        S3Server server = s3;
        return server == null ? Optional.empty() : Optional.of(server.process());
    }

    /**
     * The configuration a Quarkus service needs to use this stack: Kafka for the Kafka client and SmallRye
     * Reactive Messaging ({@code kafka.bootstrap.servers}), quarkiverse {@code quarkus-minio} 3.8+ (host, port,
     * secure, keys, region), and every Dev Service off, since they need Docker.
     */
    public Map<String, String> quarkusConfig() {
        KafkaBroker broker = kafka;
        S3Server server = s3;
        return quarkusConfig(broker == null ? null : broker.bootstrapServers(),
                server == null ? 0 : server.port());
    }

    static Map<String, String> quarkusConfig(String kafkaBootstrapServers, int s3Port) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("quarkus.devservices.enabled", "false");
        config.put("quarkus.kafka.devservices.enabled", "false");
        config.put("quarkus.minio.devservices.enabled", "false");
        if (kafkaBootstrapServers != null) {
            config.put("kafka.bootstrap.servers", kafkaBootstrapServers);
        }
        if (s3Port > 0) {
            // quarkus-minio 3.8 renamed quarkus.minio.url to .host (the old key is relocated to it); with a port
            // set, it builds the endpoint from host, port and secure.
            config.put("quarkus.minio.host", "http://" + Net.HOST);
            config.put("quarkus.minio.port", Integer.toString(s3Port));
            config.put("quarkus.minio.secure", "false");
            config.put("quarkus.minio.access-key", S3Server.ACCESS_KEY);
            config.put("quarkus.minio.secret-key", S3Server.SECRET_KEY);
            config.put("quarkus.minio.region", S3Server.REGION);
        }
        return Map.copyOf(config);
    }

    /** Whether {@link #close()} has run. */
    public boolean isClosed() {
        return closed.get();
    }

    /** Stops both child JVMs, waits until they are gone, and deletes a temporary data folder. Idempotent. */
    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook is running or has run.
        }
    }

    private void stopAll() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        KafkaBroker broker = kafka;
        S3Server server = s3;
        // A temporary broker's data is thrown away, so it need not shut down cleanly.
        Duration grace = temporary ? Duration.ZERO : STOP_GRACE;
        // Kafka first: a client still connected to it would only log reconnect noise.
        if (broker != null) {
            broker.stop(grace);
        }
        if (server != null) {
            server.stop(grace);
        }
        if (temporary) {
            deleteRecursively(dataDir);
        }
    }

    private KafkaBroker requireKafka() {
        KafkaBroker broker = kafka;
        if (broker == null) {
            throw new IllegalStateException("Kafka was not started (Options.withKafka(false))");
        }
        if (closed.get()) {
            throw new IllegalStateException("the local stack is closed");
        }
        return broker;
    }

    private S3Server requireS3() {
        S3Server server = s3;
        if (server == null) {
            throw new IllegalStateException("S3 was not started (Options.withS3(false))");
        }
        if (closed.get()) {
            throw new IllegalStateException("the local stack is closed");
        }
        return server;
    }

    static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + root, e);
        }
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (kafka != null) {
            parts.add("kafka " + kafka.bootstrapServers());
        }
        if (s3 != null) {
            parts.add("s3 " + s3.endpoint());
        }
        parts.add("data " + dataDir);
        return "LocalStack[" + String.join(", ", parts) + (closed.get() ? ", closed]" : "]");
    }

    /** A topic to create: a name and a partition count. */
    public record Topic(String name, int partitions) {

        /** Validates the name (Kafka's rules) and the partition count. */
        public Topic {
            Objects.requireNonNull(name, "name");
            if (!name.matches("[a-zA-Z0-9._-]{1,249}") || name.equals(".") || name.equals("..")) {
                throw new IllegalArgumentException("invalid Kafka topic name: '" + name + "'");
            }
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
            }
        }

        /** Parses {@code name} or {@code name:partitions} (1 partition when omitted). */
        public static Topic parse(String spec) {
            Objects.requireNonNull(spec, "spec");
            int colon = spec.lastIndexOf(':');
            if (colon < 0) {
                return new Topic(spec.trim(), 1);
            }
            try {
                return new Topic(spec.substring(0, colon).trim(), Integer.parseInt(spec.substring(colon + 1).trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected name or name:partitions, was '" + spec + "'", e);
            }
        }
    }

    /**
     * What to start.
     *
     * @param dataDir where configuration, logs and data go; {@code null} for a temporary folder deleted on close
     * @param kafka whether to start the Kafka broker
     * @param s3 whether to start the S3 server
     * @param buckets buckets to create once S3 is up
     * @param topics topics to create once Kafka is up
     * @param kafkaPort the broker's port; 0 for a free one (or, with a kept data folder, the one it used before)
     * @param s3Port the S3 port; 0 likewise
     * @param startTimeout how long both servers together may take to become ready
     */
    public record Options(Path dataDir, boolean kafka, boolean s3, List<String> buckets, List<Topic> topics,
            int kafkaPort, int s3Port, Duration startTimeout) {

        /** Copies the lists and checks the ports and the timeout. */
        public Options {
            buckets = List.copyOf(buckets);
            topics = List.copyOf(topics);
            checkPort(kafkaPort);
            checkPort(s3Port);
            Objects.requireNonNull(startTimeout, "startTimeout");
            if (startTimeout.isNegative() || startTimeout.isZero()) {
                throw new IllegalArgumentException("startTimeout must be positive");
            }
            if (!kafka && !s3) {
                throw new IllegalArgumentException("nothing to start: both Kafka and S3 are off");
            }
        }

        /** Kafka and S3, a temporary folder, free ports, no topics or buckets, 90 s to start. */
        public static Options defaults() {
            return new Options(null, true, true, List.of(), List.of(), 0, 0, Duration.ofSeconds(90));
        }

        public Options withDataDir(Path dir) {
            return new Options(dir, kafka, s3, buckets, topics, kafkaPort, s3Port, startTimeout);
        }

        public Options withKafka(boolean on) {
            return new Options(dataDir, on, s3, buckets, topics, kafkaPort, s3Port, startTimeout);
        }

        public Options withS3(boolean on) {
            return new Options(dataDir, kafka, on, buckets, topics, kafkaPort, s3Port, startTimeout);
        }

        /** Adds buckets to create. */
        public Options withBuckets(String... names) {
            List<String> all = new ArrayList<>(buckets);
            all.addAll(Arrays.asList(names));
            return new Options(dataDir, kafka, s3, all, topics, kafkaPort, s3Port, startTimeout);
        }

        /** Adds a topic to create. */
        public Options withTopic(String name, int partitions) {
            List<Topic> all = new ArrayList<>(topics);
            all.add(new Topic(name, partitions));
            return new Options(dataDir, kafka, s3, buckets, all, kafkaPort, s3Port, startTimeout);
        }

        public Options withKafkaPort(int port) {
            return new Options(dataDir, kafka, s3, buckets, topics, port, s3Port, startTimeout);
        }

        public Options withS3Port(int port) {
            return new Options(dataDir, kafka, s3, buckets, topics, kafkaPort, port, startTimeout);
        }

        public Options withStartTimeout(Duration timeout) {
            return new Options(dataDir, kafka, s3, buckets, topics, kafkaPort, s3Port, timeout);
        }

        private static void checkPort(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
        }
    }
}
