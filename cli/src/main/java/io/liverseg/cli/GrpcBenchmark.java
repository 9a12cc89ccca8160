package io.liverseg.cli;

import io.grpc.StatusRuntimeException;
import io.liverseg.cli.stack.Mesh;
import io.liverseg.proto.segmentation.v1.SegmentOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Latency of one gRPC Segment call next to the model-only time of the same call (the server's "inference"
 * timing: the network's forward passes only), then the throughput of several concurrent clients.
 */
@Command(name = "grpc", mixinStandardHelpOptions = true,
        description = {"gRPC Segment: latency of one call on a SIZE×SIZE×SLICES int16 phantom CT vs the model-only",
            "time of that call (server timing 'inference'), then throughput with N concurrent clients. Without",
            "--server the local stack is started (./liverseg stack) and its first inference instance is used.",
            "A small warm-up call goes first so model loading is not counted."})
final class GrpcBenchmark implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--server", description = "HOST:PORT of a running server (default: start the local stack).")
    String server;

    @Option(names = "--size", defaultValue = "512", description = "In-plane size (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--slices", defaultValue = "100", description = "Slices (default ${DEFAULT-VALUE}).")
    int slices;

    @Option(names = "--repeat", defaultValue = "3", description = "Single-call repetitions (default ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--clients", defaultValue = "4", description = "Concurrent clients (default ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--calls-per-client", defaultValue = "2",
            description = "Calls each concurrent client makes (default ${DEFAULT-VALUE}).")
    int callsPerClient;

    @Option(names = "--work", description = "Where to write the phantoms and masks (default: a temp dir).")
    Path work;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path dir = work != null ? Files.createDirectories(work) : Files.createTempDirectory("liverseg-bench-grpc-");
        Path file = BenchData.phantomCt(dir, size, slices);
        Path warmup = BenchData.phantomCt(dir.resolve("warmup"), 256, 32);
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> o;
        if (server != null) {
            o = run(server, file, warmup, dir, err);
        } else {
            Path home = Path.of(System.getProperty("liverseg.home", ".")).toAbsolutePath().normalize();
            try (Mesh mesh = Mesh.start(Mesh.Options.of(home), line -> {
                err.println(line);
                err.flush();
            })) {
                String address = mesh.endpointLines().stream().filter(l -> l.startsWith("grpc ")).findFirst()
                        .orElseThrow().substring("grpc ".length());
                o = run(address, file, warmup, dir, err);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(o));
        } else {
            o.forEach((k, v) -> out.printf("%-30s %s%n", k, v));
        }
        out.flush();
        return 0;
    }

    private Map<String, Object> run(String address, Path file, Path warmup, Path dir, PrintWriter err)
            throws Exception {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("server", address);
        o.put("file", file.toString());
        o.put("file_bytes", Files.size(file));
        o.put("volume", size + "x" + size + "x" + slices + " int16");
        SegmentOptions options = SegmentOptions.newBuilder().build();
        try (SegmentationClient client = new SegmentationClient(address)) {
            err.println("warm-up call ...");
            err.flush();
            client.segment(warmup, dir.resolve("warmup-mask.nii.gz"), options, 0, p -> { });
            List<Map<String, Long>> single = new ArrayList<>();
            for (int i = 0; i < repeat; i++) {
                err.printf("single call %d/%d ...%n", i + 1, repeat);
                err.flush();
                SegmentationClient.Result r = client.segment(file, dir.resolve("mask.nii.gz"), options, 0, p -> { });
                Map<String, Long> row = new LinkedHashMap<>();
                row.put("client_wall_ms", r.wallMs());
                row.put("server_total_ms", r.report().getTimingsMsOrDefault("total", -1));
                row.put("model_only_ms", r.report().getTimingsMsOrDefault("inference", -1));
                row.put("read_and_preprocess_ms", r.report().getTimingsMsOrDefault("read_and_preprocess", -1));
                row.put("postprocess_ms", r.report().getTimingsMsOrDefault("postprocess", -1));
                row.put("write_ms", r.report().getTimingsMsOrDefault("write", -1));
                row.put("receive_ms", r.report().getTimingsMsOrDefault("receive", -1));
                single.add(row);
                o.put("model_version", r.report().getModelVersion());
            }
            o.put("single_calls", single);
            long medianWall = median(single.stream().map(m -> m.get("client_wall_ms")).toList());
            long medianModel = median(single.stream().map(m -> m.get("model_only_ms")).toList());
            o.put("single_call_median_ms", medianWall);
            o.put("model_only_median_ms", medianModel);
            o.put("overhead_vs_model_only", medianModel > 0 ? (double) (medianWall - medianModel) / medianModel : null);

            err.printf("%d concurrent clients x %d calls ...%n", clients, callsPerClient);
            err.flush();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            List<Future<List<Long>>> futures = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int c = 0; c < clients; c++) {
                int id = c;
                futures.add(pool.submit(() -> {
                    List<Long> lat = new ArrayList<>();
                    for (int k = 0; k < callsPerClient; k++) {
                        lat.add(client.segment(file, dir.resolve("mask-" + id + ".nii.gz"), options, 0, p -> { })
                                .wallMs());
                    }
                    return lat;
                }));
            }
            List<Long> latencies = new ArrayList<>();
            int refused = 0;
            for (Future<List<Long>> f : futures) {
                try {
                    latencies.addAll(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof StatusRuntimeException sre) {
                        refused++;
                        err.println("a call failed: " + SegmentationClient.describe(sre));
                    } else {
                        throw e;
                    }
                }
            }
            long wall = (System.nanoTime() - t0) / 1_000_000;
            pool.shutdown();
            o.put("concurrent_clients", clients);
            o.put("concurrent_calls_done", latencies.size());
            o.put("concurrent_calls_failed", refused);
            o.put("concurrent_wall_ms", wall);
            o.put("throughput_calls_per_min", latencies.isEmpty() ? 0 : latencies.size() * 60_000.0 / wall);
            o.put("concurrent_latency_median_ms", latencies.isEmpty() ? null : median(latencies));
            o.put("concurrent_latency_max_ms", latencies.isEmpty() ? null : Collections.max(latencies));
        }
        return o;
    }

    private static long median(List<Long> values) {
        List<Long> s = new ArrayList<>(values);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
