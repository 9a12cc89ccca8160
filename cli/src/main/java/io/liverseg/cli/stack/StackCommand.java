package io.liverseg.cli.stack;

import com.fasterxml.jackson.databind.JsonNode;
import io.liverseg.imaging.msd.PhantomDatasetWriter;
import io.liverseg.imaging.phantom.PhantomOptions;
import io.liverseg.localstack.QuarkusService;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code liverseg stack}: the broker, the S3 server and the services on loopback, one sample scan through them,
 * then serving until Ctrl-C.
 */
@Command(name = "stack", mixinStandardHelpOptions = true,
        description = {"Run the whole system on this machine (no Docker): Kafka, an S3 server and the services on",
            "loopback. Prints one line per endpoint, then 'ready'; then (unless --no-demo) segments one",
            "generated phantom and prints its report. Serves until Ctrl-C."})
public final class StackCommand implements Callable<Integer> {
    /** How often a serving stack checks that every part still runs. */
    static final long WATCH_SECONDS = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--no-demo", description = "Start without ingesting the sample phantom.")
    boolean noDemo;

    @Option(names = "--data", description = "Folder for broker, S3 and log data (default: a temporary folder, "
            + "removed at exit).")
    Path data;

    @Option(names = "--inference-instances", defaultValue = "1",
            description = "inference-service JVMs sharing the work (default ${DEFAULT-VALUE}).")
    int inferenceInstances;

    @Option(names = "--helper-nice", defaultValue = "" + Mesh.HELPER_NICENESS,
            description = "Niceness of ingest, preprocess and training relative to inference, 0..19 (default "
                    + "${DEFAULT-VALUE}: on one machine the forward passes get the CPU first; 0 = same priority).")
    int helperNice;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path home = Path.of(System.getProperty("liverseg.home", ".")).toAbsolutePath().normalize();
        Mesh.Options options = Mesh.Options.of(home).withInferenceInstances(inferenceInstances)
                .withHelperNiceness(helperNice);
        if (data != null) {
            options = options.withDataDir(data.toAbsolutePath());
        }
        Mesh mesh = Mesh.start(options, line -> {
            err.println(line);
            err.flush();
        });
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            mesh.close();
            stopped.countDown();
        }, "liverseg-stack-shutdown"));
        for (QuarkusService s : mesh.services()) {
            err.println("log " + s.name() + " " + s.log());
        }
        err.flush();
        for (String line : mesh.endpointLines()) {
            out.println(line);
        }
        out.println("ready");
        out.flush();
        if (!noDemo) {
            demo(mesh, out, err);
        }
        err.println("serving; Ctrl-C stops everything");
        err.flush();
        // A part that dies (an out-of-memory kill, a crash) would leave scans waiting for ever: stop and say which.
        while (!stopped.await(WATCH_SECONDS, TimeUnit.SECONDS)) {
            Optional<String> failure = mesh.failure();
            // Ctrl-C reaches the children too (one process group), and they may end before the shutdown hook has
            // begun closing the mesh: a part that ended with it is not a failure, so look again once the hook ran
            if (failure.isPresent()) {
                if (stopped.await(WATCH_SECONDS, TimeUnit.SECONDS)) {
                    return 0;
                }
                failure = mesh.failure();
            }
            if (failure.isPresent()) {
                err.println("stack: " + failure.get() + "; stopping everything");
                err.flush();
                mesh.close();
                return 1;
            }
        }
        return 0;
    }

    private static void demo(Mesh mesh, PrintWriter out, PrintWriter err) throws Exception {
        Path dir = Files.createTempDirectory("liverseg-demo-");
        PhantomDatasetWriter.write(dir, PhantomOptions.defaults().withSeed(20261126L), 1);
        Path image = dir.resolve("imagesTr/liver_000.nii.gz");
        Path label = dir.resolve("labelsTr/liver_000.nii.gz");
        IngestClient client = new IngestClient(mesh.ingestUrl());
        long t0 = System.nanoTime();
        IngestClient.Answer upload = client.upload(image, label);
        if (upload.status() / 100 != 2) {
            err.println("demo: upload refused (" + upload.status() + "): " + upload.text());
            return;
        }
        String id = upload.json().path("id").asText();
        out.println("demo scan " + id + " (" + image.getFileName() + " with its label) uploaded");
        out.flush();
        Optional<JsonNode> done;
        try {
            done = client.awaitDone(id, Duration.ofMinutes(10), mesh::failure);
        } catch (IOException e) {
            // a part died (the serving loop then says which and stops) or ingest does not answer
            err.println("demo: " + e.getMessage());
            return;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (done.isEmpty()) {
            err.println("demo: no mask within 10 minutes; see the logs");
            return;
        }
        if ("failed".equals(done.get().path("status").asText())) {
            err.println("demo: scan failed: " + done.get().path("reason").asText());
            return;
        }
        JsonNode report = client.report(id).json();
        printReport(report, seconds, out);
        out.flush();
    }

    /** Prints volumes, Dice and timings of every task in a report document. */
    static void printReport(JsonNode report, double clientSeconds, PrintWriter out) {
        JsonNode tasks = report.has("tasks") ? report.get("tasks") : report;
        for (Iterator<Map.Entry<String, JsonNode>> it = tasks.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> task = it.next();
            JsonNode r = task.getValue();
            if (!r.isObject() || !r.has("volumes")) {
                continue;
            }
            StringBuilder line = new StringBuilder("report " + task.getKey() + " (model " + r.path("model_version")
                    .asText() + "):");
            for (JsonNode v : r.path("volumes")) {
                if (v.path("label").asInt() == 0) {
                    continue; // background: the rest of the field of view, not a finding
                }
                line.append(String.format(Locale.ROOT, " %s %.1f mL", v.path("name").asText(),
                        v.path("volume_ml").asDouble()));
            }
            JsonNode dice = r.path("dice");
            for (Iterator<Map.Entry<String, JsonNode>> d = dice.fields(); d.hasNext(); ) {
                Map.Entry<String, JsonNode> e = d.next();
                line.append(String.format(Locale.ROOT, "; Dice %s %.3f", e.getKey(), e.getValue().asDouble()));
            }
            JsonNode uploadToMask = r.path("timings_ms").path("upload_to_mask");
            if (uploadToMask.isNumber()) {
                line.append(String.format(Locale.ROOT, "; %.1f s from upload to mask", uploadToMask.asDouble() / 1000));
            }
            out.println(line);
        }
        out.println(String.format(Locale.ROOT, "demo done in %.1f s (client side)", clientSeconds));
    }
}
