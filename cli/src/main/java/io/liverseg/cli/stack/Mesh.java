package io.liverseg.cli.stack;

import io.liverseg.localstack.Infrastructure;
import io.liverseg.localstack.LocalStack;
import io.liverseg.localstack.QuarkusService;
import io.liverseg.model.DjlEnvironment;
import io.liverseg.proto.EventType;
import io.liverseg.proto.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The whole streaming mesh on one machine: a real Kafka broker and S3 server ({@link LocalStack}), every topic
 * with several partitions, the bucket, and the services as child JVMs from their built fast-jars — what
 * {@code ./liverseg stack} runs and what the end-to-end tests start.
 */
public final class Mesh implements AutoCloseable {
    /**
     * The other services run with glibc's malloc defaults: the inference tuning keeps a process's peak native
     * memory, which only the inference passes were measured with (training's are larger).
     */
    private static final Map<String, String> DEFAULT_MALLOC =
            Collections.singletonMap(DjlEnvironment.GLIBC_TUNABLES_ENV, null);

    /** The bucket every service uses. */
    public static final String BUCKET = "liverseg";
    /** Partitions per topic: more than one, so several inference instances can share the work. */
    public static final int PARTITIONS = 3;
    /**
     * Default niceness of the services other than inference. On one machine the forward passes are the scan's
     * critical path and use every core; preprocessing beside them (and training) slowed them, while those services
     * have time to spare: preprocess is seconds ahead of the passes that need its batches. The kernel now gives
     * their CPU to inference first. Only under contention: an idle machine runs them at full speed.
     */
    public static final int HELPER_NICENESS = 10;
    /**
     * The inference services' heap. Each 32-slice batch allocates ≈ 40 MB (decoded planes, labels, parts) and a
     * mask's assembly a few hundred: on the default heap (≈ 365 MB committed) that was a young collection every
     * batch or two and a full one every ≈ 5 s, 0.8 s of pauses over one scan's forward passes, which a Java thread
     * between two native ops waits out. A 1 GB young generation, committed from the start, collects a few times a scan.
     */
    public static final List<String> INFERENCE_HEAP = List.of("-Xmx3g", "-Xms2g", "-Xmn1g");

    private final Infrastructure infra;
    private final List<QuarkusService> services = new ArrayList<>();
    private final Path logDir;
    private final Path projectDir;
    private volatile boolean closing;

    private Mesh(Infrastructure infra, Path logDir, Path projectDir) {
        this.infra = infra;
        this.logDir = logDir;
        this.projectDir = projectDir;
    }

    /**
     * What to start.
     *
     * @param projectDir         the liverseg checkout (service jars under {@code *-service/target/quarkus-app},
     *                           bootstrap models under {@code models/})
     * @param dataDir            broker, S3 and log data; null for a temporary folder removed on close
     * @param inferenceInstances how many inference-service JVMs share the work (1 or more)
     * @param startTimeout       per part
     * @param extraConfig        more -D settings for every service (tests shorten timeouts with it)
     */
    public record Options(Path projectDir, Path dataDir, int inferenceInstances, Duration startTimeout,
            Map<String, String> extraConfig, int helperNiceness) {
        public Options {
            Objects.requireNonNull(projectDir, "projectDir");
            if (inferenceInstances < 1) {
                throw new IllegalArgumentException("inferenceInstances must be at least 1");
            }
            if (helperNiceness < 0 || helperNiceness > 19) {
                throw new IllegalArgumentException("helperNiceness must be within 0..19, got " + helperNiceness);
            }
            startTimeout = startTimeout == null ? Duration.ofMinutes(3) : startTimeout;
            extraConfig = extraConfig == null ? Map.of() : Map.copyOf(extraConfig);
        }

        public static Options of(Path projectDir) {
            return new Options(projectDir, null, 1, null, null, HELPER_NICENESS);
        }

        public Options withDataDir(Path dir) {
            return new Options(projectDir, dir, inferenceInstances, startTimeout, extraConfig, helperNiceness);
        }

        public Options withInferenceInstances(int n) {
            return new Options(projectDir, dataDir, n, startTimeout, extraConfig, helperNiceness);
        }

        public Options withExtraConfig(Map<String, String> config) {
            return new Options(projectDir, dataDir, inferenceInstances, startTimeout, config, helperNiceness);
        }

        /** Niceness of ingest, preprocess and training relative to the inference services (0 = the same). */
        public Options withHelperNiceness(int niceness) {
            return new Options(projectDir, dataDir, inferenceInstances, startTimeout, extraConfig, niceness);
        }
    }

    /**
     * Starts everything on a {@link LocalStack} (Kafka and S3 as child JVMs), reporting each step to
     * {@code progress}; on failure stops what was started.
     */
    public static Mesh start(Options options, Consumer<String> progress) throws IOException {
        LocalStack.Options infraOptions = LocalStack.Options.defaults();
        if (options.dataDir() != null) {
            infraOptions = infraOptions.withDataDir(options.dataDir().resolve("infra"));
        }
        progress.accept("starting Kafka and S3 ...");
        return start(options, LocalStack.start(infraOptions), progress);
    }

    /**
     * Starts the services on infrastructure that is already running (it is closed with the mesh, also when the
     * start fails): creates every topic with {@link #PARTITIONS} partitions and the bucket first.
     */
    public static Mesh start(Options options, Infrastructure infra, Consumer<String> progress) throws IOException {
        try {
            for (String topic : topics()) {
                infra.createTopic(topic, PARTITIONS);
            }
            infra.createBucket(BUCKET);
        } catch (RuntimeException e) {
            infra.close();
            throw e;
        }
        Path logDir = Files.createDirectories((options.dataDir() != null ? options.dataDir() : infra.dataDir())
                .resolve("logs"));
        Mesh mesh = new Mesh(infra, logDir, options.projectDir());
        try {
            int helpers = options.helperNiceness();
            mesh.startService("ingest-service", "ingest", options, Map.of(), List.of("-Xmx1g"), DEFAULT_MALLOC,
                    helpers, progress);
            mesh.startService("preprocess-service", "preprocess", options, Map.of(), List.of("-Xmx2g"),
                    DEFAULT_MALLOC, helpers, progress);
            for (int i = 1; i <= options.inferenceInstances(); i++) {
                String name = options.inferenceInstances() == 1 ? "inference" : "inference-" + i;
                mesh.startService("inference-service", name, options, Map.of("liverseg.instance-id", name),
                        INFERENCE_HEAP, Map.of(DjlEnvironment.GLIBC_TUNABLES_ENV, inferenceMallocTunables()), 0,
                        progress);
            }
            mesh.startService("training-service", "training", options, Map.of(), List.of("-Xmx3g"), DEFAULT_MALLOC,
                    helpers, progress);
            return mesh;
        } catch (IOException | RuntimeException e) {
            mesh.close();
            throw e;
        }
    }

    /** Every topic the services use. */
    public static List<String> topics() {
        List<String> topics = new ArrayList<>();
        for (EventType t : EventType.values()) {
            topics.add(t.topic());
        }
        topics.add(Topics.BUCKET_NOTIFICATIONS);
        topics.add(Topics.DEAD_LETTER);
        return topics;
    }

    /**
     * The {@code GLIBC_TUNABLES} the inference services run with: this JVM's own when it has one (an explicit
     * value, even empty, wins), else {@link DjlEnvironment#MALLOC_TUNABLES}, which makes their forward passes
     * 30–45 % faster on CPU.
     */
    public static String inferenceMallocTunables() {
        String own = DjlEnvironment.glibcTunables();
        return own != null ? own : DjlEnvironment.MALLOC_TUNABLES;
    }

    private void startService(String module, String name, Options options, Map<String, String> own, List<String> heap,
            Map<String, String> environment, int niceness, Consumer<String> progress) throws IOException {
        Path jar = options.projectDir().resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        Map<String, String> config = new LinkedHashMap<>(infra.quarkusConfig());
        config.put("liverseg.bucket", BUCKET);
        config.put("liverseg.registry.seed-dir", options.projectDir().resolve("models").toString());
        config.put("liverseg.registry.cache-dir", infra.dataDir().resolve("model-cache").resolve(name).toString());
        config.putAll(own);
        config.putAll(options.extraConfig());
        progress.accept("starting " + name + " ...");
        List<String> jvm = new ArrayList<>(heap);
        jvm.add("-XX:+UseSerialGC");
        services.add(QuarkusService.start(name, jar, config, jvm, environment, niceness, logDir,
                options.startTimeout()));
    }

    public Infrastructure infra() {
        return infra;
    }

    public List<QuarkusService> services() {
        return List.copyOf(services);
    }

    /** The first service of that name ("ingest", "preprocess", "inference" or "inference-N"). */
    public QuarkusService service(String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no service " + name));
    }

    public String ingestUrl() {
        return service("ingest").baseUrl();
    }

    /** The checkout the services and models come from. */
    public Path projectDir() {
        return projectDir;
    }

    public Path logDir() {
        return logDir;
    }

    /**
     * One line per endpoint, {@code NAME ADDRESS}: each service's REST base URL, the gRPC segmentation API (on the
     * first inference instance's HTTP port, which gRPC shares), S3 and Kafka.
     */
    public List<String> endpointLines() {
        List<String> lines = new ArrayList<>();
        for (QuarkusService s : services) {
            lines.add(s.name() + " " + s.baseUrl());
        }
        services.stream().filter(s -> s.name().startsWith("inference")).findFirst()
                .ifPresent(s -> lines.add("grpc 127.0.0.1:" + s.httpPort()));
        lines.add("s3 " + infra.s3Endpoint());
        lines.add("kafka " + infra.kafkaBootstrapServers());
        return lines;
    }

    /**
     * Empty while every part runs; else what ended first: a service ({@link QuarkusService#exit()}) or, on a
     * {@link LocalStack}, the broker or the S3 server. Empty once {@link #close()} has begun, which ends them all.
     */
    public Optional<String> failure() {
        if (closing) {
            return Optional.empty();
        }
        for (QuarkusService s : services) {
            Optional<String> exit = s.exit();
            if (exit.isPresent()) {
                return exit;
            }
        }
        if (infra instanceof LocalStack stack) {
            if (stack.kafkaProcess().filter(p -> !p.isAlive()).isPresent()) {
                return Optional.of("the Kafka broker exited; its log is under " + stack.dataDir());
            }
            if (stack.s3Process().filter(p -> !p.isAlive()).isPresent()) {
                return Optional.of("the S3 server exited; its log is under " + stack.dataDir());
            }
        }
        return Optional.empty();
    }

    /** Stops the services in reverse start order (training first, ingest last), then the broker and the S3 server. */
    @Override
    public void close() {
        closing = true;
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).close();
        }
        infra.close();
    }
}
