package io.liverseg.cli;

import io.liverseg.cli.stack.IngestClient;
import io.liverseg.cli.stack.Mesh;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.preprocess.SliceBatch;
import io.liverseg.imaging.preprocess.SlicePreprocessor;
import io.liverseg.localstack.QuarkusService;
import io.liverseg.model.DeviceSetting;
import io.liverseg.model.DjlEnvironment;
import io.liverseg.model.predict.Segmenter;
import io.liverseg.model.predict.SlicePredictor;
import io.liverseg.model.predict.TestTimeAugmentation;
import io.liverseg.proto.EventType;
import io.liverseg.proto.SegmentationTasks;
import io.liverseg.proto.events.v1.MaskReady;
import io.liverseg.storage.ModelRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Upload → MaskReady of CTs through the whole local stack, one after the other, next to the model-only inference
 * time of the same slices measured in the same run, and each service's peak RSS. With several tasks (the services'
 * default: liver and vessels) the pipeline time runs to the last task's MaskReady and the model-only time is the sum
 * of every task's model on the same file, as the pipeline runs them on the same cores, measured right after that
 * file's pipeline run (the machine's speed drifts over minutes). On 2 shared cores one run's
 * overhead moves by several points from run to run (the model-only time alone by up to 15 %), hence several scans and
 * the median.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = {"Seconds from upload to MaskReady on the local stack vs model-only inference of the same",
            "slices (same models, batch 32), and peak RSS per service. Without --in, --repeat 512×512×300 int16",
            "LPS phantom CTs (other seeds, other bytes) are generated first (not timed) and sent one after the",
            "other. A warm-up scan of the same size (another phantom) goes through the stack first, so neither",
            "model loading nor the services' JIT compilation is counted: the steady state of a running stack",
            "(--small-warmup: a 256×256×32 one, the method of sessions 2–8), then 256×256×32 ones until every",
            "partition of the scan topics has carried a scan (a consumer's first record from a partition waits",
            "for the poll in progress, once). Every service runs the tasks of",
            "--tasks; the pipeline time ends with the last task's MaskReady and the model-only time is the sum",
            "over those tasks' models (from models/, loaded in this JVM, with the service's forward lanes) on",
            "the same scan, read whole and run right after that scan's pipeline run (with one scan the best of",
            "two runs), twice: batch after batch as Segmenter and the inference service run them, and every",
            "pass queued at once, so that no lane waits at a batch's end; the lower counts. Each run's overhead",
            "is taken against the lower, per task, of that and the forward time the inference service measured",
            "itself; the headline is the run with the median overhead."})
final class PipelineBenchmark implements Callable<Integer> {
    /** Model-only runs per task; the fastest counts, so noise cannot make the pipeline look cheaper. */
    static final int MODEL_ONLY_RUNS = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--in", description = "A CT .nii.gz (default: generate a phantom).")
    Path in;

    @Option(names = "--work", description = "Where to write the generated phantoms (default: a temp dir).")
    Path work;

    @Option(names = "--tasks", split = ",", defaultValue = SegmentationTasks.LIVER + "," + SegmentationTasks.VESSELS,
            description = "Tasks to run, comma-separated (liverseg.tasks of every service; default: ${DEFAULT-VALUE},"
                    + " the services' own default).")
    List<String> tasks;

    @Option(names = "--small-warmup", description = "Warm the stack up with a 256×256×32 scan only: the measured"
            + " scan then also pays the JIT compilation of the services' large-scan paths (a freshly started stack).")
    boolean smallWarmup;

    @Option(names = "--repeat", description = "Scans measured one after the other, each a 512×512×300 phantom of"
            + " other bytes (default 3; 1 with --in); the headline is the run with the median overhead, every run is"
            + " reported.")
    Integer repeatOption;

    @Option(names = "--helper-nice", defaultValue = "" + Mesh.HELPER_NICENESS,
            description = "Niceness of the services beside inference, as ./liverseg stack's (default ${DEFAULT-VALUE}).")
    int helperNice;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path home = Path.of(System.getProperty("liverseg.home", ".")).toAbsolutePath().normalize();
        Map<String, Path> packages = packagesOf(home.resolve("models"), tasks);
        Path dir = work != null ? Files.createDirectories(work) : Files.createTempDirectory("liverseg-bench-");
        Path file = in != null ? in : BenchData.phantomCt(dir, 512, 300);
        Path warmup = BenchData.phantomCt(dir.resolve("warmup"), 256, 32);
        // another phantom's bytes: the same bytes again would be a duplicate and skip the pipeline
        Path stackWarmup = smallWarmup ? warmup : BenchData.phantomCt(dir.resolve("warmup"), 512, 300, 8);
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> o = new LinkedHashMap<>();
        Mesh.Options options = Mesh.Options.of(home).withExtraConfig(Map.of("liverseg.tasks", String.join(",", tasks)))
                .withHelperNiceness(helperNice);
        // model-only runs in this JVM: under other malloc settings than the inference service's, the comparison
        // would measure glibc, not the pipeline
        if (!Objects.equals(DjlEnvironment.glibcTunables(), Mesh.inferenceMallocTunables())) {
            throw new IllegalStateException("this JVM's " + DjlEnvironment.GLIBC_TUNABLES_ENV + " ("
                    + DjlEnvironment.glibcTunables() + ") differs from the inference service's ("
                    + Mesh.inferenceMallocTunables() + "): run the benchmark through ./liverseg, or set "
                    + DjlEnvironment.GLIBC_TUNABLES_ENV + " yourself");
        }
        int repeat = repeats(repeatOption, in != null);
        List<Path> files = new ArrayList<>();
        files.add(file);
        for (int r = 1; r < repeat; r++) {
            // the same size and cost, other bytes: seeds apart from the default and the warm-up's
            files.add(BenchData.phantomCt(dir, 512, 300, 100 + r));
        }
        // The model alone, in this JVM, on each scan right after that scan went through the pipeline: this machine's
        // speed drifts by 10-20 % over minutes (other tenants), so a reference taken minutes later (after every
        // pipeline run, as before session 12) could move the overhead by as much as the pipeline itself costs.
        // Each scan is read whole first, so no reading or slicing thread runs beside the forward passes
        // (inference_ms counts those only). With one scan, the best of MODEL_ONLY_RUNS.
        int runsPerFile = files.size() == 1 ? MODEL_ONLY_RUNS : 1;
        Map<String, List<ModelOnly>> modelOnlyRunsMs = new LinkedHashMap<>();
        Map<String, Segmenter> segmenters = new LinkedHashMap<>();
        try (Mesh mesh = Mesh.start(options, line -> {
            err.println(line);
            err.flush();
        }); KafkaConsumer<String, byte[]> consumer = maskConsumer(mesh)) {
            // model-only runs its passes as the inference service does (liverseg.inference.lanes' default)
            o.put("forward_lanes", DjlEnvironment.initForInference(DjlEnvironment.DEFAULT_FORWARD_LANES,
                    DeviceSetting.CPU));
            for (Map.Entry<String, Path> p : packages.entrySet()) {
                Segmenter segmenter = Segmenter.open(p.getValue(), DeviceSetting.CPU);
                segmenters.put(p.getKey(), segmenter);
                segmenter.segment(warmup, NiftiReader.defaults(), new Segmenter.Options(32));
                modelOnlyRunsMs.put(p.getKey(), new ArrayList<>());
            }
            IngestClient client = new IngestClient(mesh.ingestUrl());
            byte[] warmupBytes = Files.readAllBytes(stackWarmup);
            runOne(mesh, client, consumer, warmupBytes, new long[1], Set.copyOf(tasks));
            List<String> partitionWarmups = warmRemainingPartitions(mesh, client, consumer, dir.resolve("warmup"),
                    warmupBytes, Set.copyOf(tasks));
            List<Pipelined> pipelined = new ArrayList<>();
            for (Path f : files) {
                byte[] bytes = Files.readAllBytes(f);
                long[] accepted = new long[1];
                long t0 = System.nanoTime();
                Map<String, Arrival> ready = runOne(mesh, client, consumer, bytes, accepted, Set.copyOf(tasks));
                long pipelineNanos = ready.values().stream().mapToLong(Arrival::nanoTime).max().orElseThrow() - t0;
                pipelined.add(new Pipelined(f, bytes.length, t0, accepted[0], pipelineNanos, ready));
                Volume ct = NiftiReader.defaults().readScan(f);
                StringBuilder modelOnly = new StringBuilder();
                for (Map.Entry<String, Segmenter> s : segmenters.entrySet()) {
                    ModelOnly runs = new ModelOnly(new ArrayList<>(), new ArrayList<>());
                    for (int r = 0; r < runsPerFile; r++) {
                        Segmenter.Segmentation run = s.getValue().segment(ct, new Segmenter.Options(32));
                        runs.segmenterMs().add(run.timingsMs().get("inference_ms"));
                        runs.queuedMs().add(queuedForwardMs(s.getValue(), ct, 32));
                    }
                    modelOnlyRunsMs.get(s.getKey()).add(runs);
                    modelOnly.append(' ').append(s.getKey()).append(' ').append(runs.segmenterMs()).append(' ')
                            .append(runs.queuedMs());
                }
                err.printf("run %d of %d: %s upload to last MaskReady %d ms; model-only (ms)%s%n", pipelined.size(),
                        files.size(), f.getFileName(), pipelineNanos / 1_000_000, modelOnly);
                err.flush();
            }
            List<Map<String, Object>> runs = new ArrayList<>();
            for (int i = 0; i < pipelined.size(); i++) {
                runs.add(runResult(pipelined.get(i), i, modelOnlyRunsMs));
            }
            o.put("file", file.toString());
            o.put("file_bytes", pipelined.get(0).bytes());
            o.put("warmup", stackWarmup.getFileName().toString());
            o.put("partition_warmups", partitionWarmups);
            o.put("tasks", tasks);
            o.put("repeat", files.size());
            // the median run's values (by overhead): one scan's numbers that belong together
            Map<String, Object> median = runs.stream()
                    .sorted(java.util.Comparator.comparingDouble(r -> (Double) r.get("overhead")))
                    .toList().get((runs.size() - 1) / 2);
            for (String k : List.of("upload_to_mask_ready_ms", "upload_accepted_ms", "model_only_inference_ms",
                    "model_reference_ms", "overhead", "by_task")) {
                o.put(k, median.get(k));
            }
            o.put("overhead_runs", runs.stream().map(r -> r.get("overhead")).toList());
            o.put("runs", runs);
            // the malloc settings of this JVM's model-only runs and of the inference service (checked equal above)
            o.put("glibc_tunables", DjlEnvironment.glibcTunables());
            // model-only and the services (liverseg.inference.forward-batch's default) run the same passes
            o.put("forward_batch", SlicePredictor.DEFAULT_FORWARD_BATCH);
            // the services beside inference run at this niceness (0 where no nice command exists)
            o.put("helper_niceness", QuarkusService.canLowerPriority() ? options.helperNiceness() : 0);
            Map<String, Long> rss = new LinkedHashMap<>();
            for (QuarkusService s : mesh.services()) {
                rss.put(s.name(), peakRssBytes(s.process().pid()));
            }
            o.put("peak_rss_bytes", rss);
        } finally {
            for (Segmenter segmenter : segmenters.values()) {
                segmenter.close();
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(o));
        } else {
            o.forEach((k, v) -> out.printf("%-26s %s%n", k, v));
        }
        out.flush();
        return 0;
    }

    /** Scans to measure: {@code --repeat}, else 3, or 1 with {@code --in} (one file cannot be sent twice). */
    static int repeats(Integer option, boolean ownFile) {
        int repeat = option != null ? option : ownFile ? 1 : 3;
        if (repeat < 1) {
            throw new IllegalArgumentException("--repeat must be at least 1, got " + repeat);
        }
        if (repeat > 1 && ownFile) {
            throw new IllegalArgumentException("--repeat needs scans of other bytes (a repeated upload is a duplicate):"
                    + " it works with the generated phantoms only, not with --in");
        }
        return repeat;
    }

    /** The package folder of every task under {@code models} (folder names as the registry seeds them), in task order. */
    static Map<String, Path> packagesOf(Path models, List<String> tasks) throws IOException {
        Map<String, Path> found = ModelRegistry.seedPackages(models);
        Map<String, Path> packages = new LinkedHashMap<>();
        for (String task : tasks) {
            Path p = found.get(task);
            if (p == null) {
                throw new IllegalArgumentException("--tasks: no model package for task '" + task + "' in " + models
                        + " (found: " + found.keySet() + ")");
            }
            packages.put(task, p);
        }
        return packages;
    }

    private static KafkaConsumer<String, byte[]> maskConsumer(Mesh mesh) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, mesh.infra().kafkaBootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        // the measuring client should take as little CPU from the stack as it can: the broker answers a fetch as
        // soon as a MaskReady arrives, so waiting longer on an empty topic only means fewer round trips
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "5000");
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p);
        List<TopicPartition> parts = new ArrayList<>();
        for (int i = 0; i < Mesh.PARTITIONS; i++) {
            parts.add(new TopicPartition(EventType.MASK_READY.topic(), i));
        }
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }

    /** One scan through the pipeline: when it was sent, accepted, and each task's MaskReady. */
    private record Pipelined(Path file, long bytes, long sentNanos, long acceptedNanos, long pipelineNanos,
                             Map<String, Arrival> ready) {
    }

    /**
     * One run's numbers. The reference the overhead is taken against: per task the lower of the model-only time
     * (the best of its runs on this scan) and the forward time the inference service itself measured in the
     * pipeline (its MaskReady's "inference"), so a model-only run that happens to be slow cannot make the
     * pipeline look cheaper than it is.
     */
    private Map<String, Object> runResult(Pipelined p, int index, Map<String, List<ModelOnly>> modelOnlyRunsMs) {
        long referenceTotal = 0;
        long modelOnlyTotal = 0;
        Map<String, Object> byTask = new LinkedHashMap<>();
        for (String task : tasks) {
            ModelOnly runs = modelOnlyRunsMs.get(task).get(index);
            long modelOnly = runs.best();
            MaskReady m = p.ready().get(task).mask();
            Long inService = m.getTimingsMsMap().get("inference");
            referenceTotal += inService == null ? modelOnly : Math.min(modelOnly, inService);
            modelOnlyTotal += modelOnly;
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("model_version", m.getModelVersion());
            t.put("upload_to_mask_ready_ms", (p.ready().get(task).nanoTime() - p.sentNanos()) / 1_000_000);
            t.put("model_only_inference_ms", modelOnly);
            t.put("model_only_runs_ms", runs.segmenterMs());
            t.put("model_only_queued_runs_ms", runs.queuedMs());
            t.put("service_timings_ms", m.getTimingsMsMap());
            byTask.put(task, t);
        }
        long pipelineMs = p.pipelineNanos() / 1_000_000;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("file", p.file().getFileName().toString());
        r.put("upload_to_mask_ready_ms", pipelineMs);
        // the 202: ingest has received, validated, stored and announced the scan
        r.put("upload_accepted_ms", (p.acceptedNanos() - p.sentNanos()) / 1_000_000);
        r.put("model_only_inference_ms", modelOnlyTotal);
        r.put("model_reference_ms", referenceTotal);
        r.put("overhead", (double) (pipelineMs - referenceTotal) / referenceTotal);
        r.put("by_task", byTask);
        return r;
    }

    /**
     * The model alone on the scan's batches, every pass queued at once to the forward lanes
     * ({@link SlicePredictor#predictQueued}), so that no lane waits for the other at a batch's end: from the first
     * pass's start to the last one's end. The batches are preprocessed first, untimed. {@link Segmenter}'s own time
     * (one batch after another, as the inference service runs them) is measured beside it; the lower counts, so the
     * reference is the fastest this JVM ran the model over the same slices.
     */
    static long queuedForwardMs(Segmenter segmenter, Volume ct, int batchSize) throws Exception {
        SlicePreprocessor pre = new SlicePreprocessor(ct, segmenter.manifest().preprocessing().toSpec());
        List<SliceBatch> batches = new ArrayList<>();
        for (int first = 0; first < pre.sliceCount(); first += batchSize) {
            batches.add(pre.batch(first, Math.min(batchSize, pre.sliceCount() - first)));
        }
        List<CompletableFuture<SlicePredictor.Queued>> queued = new ArrayList<>();
        for (SliceBatch b : batches) {
            queued.add(segmenter.predictor().predictQueued(b.data(), b.count(), b.channels(), b.height(), b.width(),
                    TestTimeAugmentation.NONE));
        }
        long started = Long.MAX_VALUE;
        long ended = Long.MIN_VALUE;
        for (CompletableFuture<SlicePredictor.Queued> f : queued) {
            SlicePredictor.Queued q = f.get();
            started = Math.min(started, q.startedNanos());
            ended = Math.max(ended, q.endedNanos());
        }
        return (ended - started) / 1_000_000;
    }

    /**
     * One task's model-only times on one scan: {@link Segmenter}'s (batch after batch) and {@link #queuedForwardMs}'s.
     */
    private record ModelOnly(List<Long> segmenterMs, List<Long> queuedMs) {
        /** The fastest of them all: the reference cannot be made slower by a noisy run. */
        long best() {
            return Stream.concat(segmenterMs.stream(), queuedMs.stream()).mapToLong(Long::longValue)
                    .min().orElseThrow();
        }
    }

    /** A task's MaskReady and the nanoTime it was read. */
    private record Arrival(MaskReady mask, long nanoTime) {
    }

    /**
     * Sends small scans until every partition of the scan topics has carried one. SmallRye's throttled commit
     * strategy looks a partition's committed offset up on the consumer's polling thread when its first record
     * arrives, so that record waits for the poll in progress (up to the channel's poll-timeout, 1 s) in preprocess
     * and again in inference; a running stack pays that once per partition, and the measured scans should not.
     * Scans are keyed by their id (the SHA-256 of the upload), so the partition is known before the upload.
     *
     * @return the files sent
     */
    private static List<String> warmRemainingPartitions(Mesh mesh, IngestClient client,
                                                        KafkaConsumer<String, byte[]> consumer, Path dir,
                                                        byte[] warmupBytes, Set<String> tasks) throws IOException {
        Set<Integer> covered = new HashSet<>(Set.of(partitionOf(warmupBytes)));
        List<String> sent = new ArrayList<>();
        for (long seed = 9; covered.size() < Mesh.PARTITIONS; seed++) {
            Path f = BenchData.phantomCt(dir, 256, 32, seed);
            byte[] bytes = Files.readAllBytes(f);
            if (covered.add(partitionOf(bytes))) {
                runOne(mesh, client, consumer, bytes, new long[1], tasks);
                sent.add(f.getFileName().toString());
            }
        }
        return sent;
    }

    /** The partition Kafka's default partitioner gives a scan's events: they are keyed by the scan id. */
    static int partitionOf(byte[] upload) {
        try {
            String id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(upload));
            return Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % Mesh.PARTITIONS;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Uploads and waits for every task's MaskReady; {@code acceptedAt[0]} gets the nanoTime of ingest's answer. */
    private static Map<String, Arrival> runOne(Mesh mesh, IngestClient client,
                                               KafkaConsumer<String, byte[]> consumer, byte[] bytes,
                                               long[] acceptedAt, Set<String> tasks) throws IOException {
        IngestClient.Answer a = client.uploadRaw(bytes);
        acceptedAt[0] = System.nanoTime();
        if (a.status() / 100 != 2) {
            throw new IOException("upload refused (" + a.status() + "): " + a.text());
        }
        String id = a.json().path("id").asText();
        Map<String, Arrival> ready = new LinkedHashMap<>();
        long end = System.nanoTime() + Duration.ofMinutes(20).toNanos();
        while (System.nanoTime() < end) {
            // poll returns as soon as a record arrives (a plain assigned consumer): the timeout only sets how
            // often an idle client wakes up
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
                MaskReady m = MaskReady.parseFrom(r.value());
                if (m.getScanId().equals(id) && tasks.contains(m.getTask())) {
                    ready.putIfAbsent(m.getTask(), new Arrival(m, System.nanoTime()));
                }
            }
            if (ready.keySet().containsAll(tasks)) {
                return ready;
            }
            Optional<String> failure = mesh.failure();
            if (failure.isPresent()) {
                throw new IOException("no MaskReady for " + id + " of " + tasks + " can come: " + failure.get());
            }
        }
        throw new IOException("MaskReady for " + id + " of " + ready.keySet() + " only, not of every task in " + tasks
                + ", within 20 minutes");
    }

    /** VmHWM of /proc/PID/status: the process's peak resident set size. */
    static long peakRssBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
