package io.liverseg.cli;

import io.liverseg.cli.stack.IngestClient;
import io.liverseg.cli.stack.Mesh;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.localstack.QuarkusService;
import io.liverseg.model.DeviceSetting;
import io.liverseg.model.predict.Segmenter;
import io.liverseg.proto.EventType;
import io.liverseg.proto.SegmentationTasks;
import io.liverseg.proto.events.v1.MaskReady;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Upload → MaskReady of one CT through the whole local stack, next to the model-only inference time of the same
 * slices measured in the same run, and each service's peak RSS.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = {"Seconds from upload to MaskReady on the local stack vs model-only inference of the same",
            "slices (same model, batch 32), and peak RSS per service. Without --in, a 512×512×300 int16 LPS",
            "phantom CT is generated first (not timed). A small warm-up scan goes first so model loading is not",
            "counted. Only the liver task runs (liverseg.tasks=liver), the task the model-only time measures."})
final class PipelineBenchmark implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--in", description = "A CT .nii.gz (default: generate a phantom).")
    Path in;

    @Option(names = "--work", description = "Where to write the generated phantoms (default: a temp dir).")
    Path work;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path home = Path.of(System.getProperty("liverseg.home", ".")).toAbsolutePath().normalize();
        Path dir = work != null ? Files.createDirectories(work) : Files.createTempDirectory("liverseg-bench-");
        Path file = in != null ? in : BenchData.phantomCt(dir, 512, 300);
        Path warmup = BenchData.phantomCt(dir.resolve("warmup"), 256, 32);
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> o = new LinkedHashMap<>();
        // The liver task only: the model-only time it is compared with is the liver model's, and a second task's
        // model on the same cores would be counted as overhead.
        Mesh.Options options = Mesh.Options.of(home).withExtraConfig(Map.of("liverseg.tasks", SegmentationTasks.LIVER));
        try (Mesh mesh = Mesh.start(options, line -> {
            err.println(line);
            err.flush();
        }); KafkaConsumer<String, byte[]> consumer = maskConsumer(mesh)) {
            IngestClient client = new IngestClient(mesh.ingestUrl());
            runOne(client, consumer, Files.readAllBytes(warmup), new long[1]);
            byte[] bytes = Files.readAllBytes(file);
            long[] accepted = new long[1];
            long t0 = System.nanoTime();
            MaskReady ready = runOne(client, consumer, bytes, accepted);
            long pipelineNanos = System.nanoTime() - t0;

            long modelOnlyMs;
            try (Segmenter segmenter = Segmenter.open(home.resolve("models/liver"), DeviceSetting.CPU)) {
                segmenter.segment(warmup, NiftiReader.defaults(), new Segmenter.Options(32, false));
                Segmenter.Segmentation s = segmenter.segment(file, NiftiReader.defaults(), new Segmenter.Options(32, false));
                modelOnlyMs = s.timingsMs().get("inference_ms");
            }
            o.put("file", file.toString());
            o.put("file_bytes", bytes.length);
            o.put("model_version", ready.getModelVersion());
            o.put("upload_to_mask_ready_ms", pipelineNanos / 1_000_000);
            // the 202: ingest has received, validated, stored and announced the scan
            o.put("upload_accepted_ms", (accepted[0] - t0) / 1_000_000);
            o.put("service_timings_ms", ready.getTimingsMsMap());
            o.put("model_only_inference_ms", modelOnlyMs);
            o.put("overhead", (double) (pipelineNanos / 1_000_000 - modelOnlyMs) / modelOnlyMs);
            Map<String, Long> rss = new LinkedHashMap<>();
            for (QuarkusService s : mesh.services()) {
                rss.put(s.name(), peakRssBytes(s.process().pid()));
            }
            o.put("peak_rss_bytes", rss);
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

    private static KafkaConsumer<String, byte[]> maskConsumer(Mesh mesh) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, mesh.infra().kafkaBootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p);
        List<TopicPartition> parts = new ArrayList<>();
        for (int i = 0; i < Mesh.PARTITIONS; i++) {
            parts.add(new TopicPartition(EventType.MASK_READY.topic(), i));
        }
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }

    /** Uploads and waits for the liver MaskReady; {@code acceptedAt[0]} gets the nanoTime of ingest's answer. */
    private static MaskReady runOne(IngestClient client, KafkaConsumer<String, byte[]> consumer, byte[] bytes,
                                    long[] acceptedAt) throws IOException {
        IngestClient.Answer a = client.uploadRaw(bytes);
        acceptedAt[0] = System.nanoTime();
        if (a.status() / 100 != 2) {
            throw new IOException("upload refused (" + a.status() + "): " + a.text());
        }
        String id = a.json().path("id").asText();
        long end = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (System.nanoTime() < end) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                MaskReady m = MaskReady.parseFrom(r.value());
                if (m.getScanId().equals(id) && m.getTask().equals(SegmentationTasks.LIVER)) {
                    return m;
                }
            }
        }
        throw new IOException("no MaskReady for " + id + " within 10 minutes");
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
