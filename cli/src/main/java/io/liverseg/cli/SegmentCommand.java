package io.liverseg.cli;

import io.grpc.StatusRuntimeException;
import io.liverseg.model.predict.TestTimeAugmentation;
import io.liverseg.proto.events.v1.LabelVolume;
import io.liverseg.proto.segmentation.v1.Augmentation;
import io.liverseg.proto.segmentation.v1.Progress;
import io.liverseg.proto.segmentation.v1.SegmentOptions;
import io.liverseg.proto.segmentation.v1.SegmentReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code liverseg segment}: one CT through the gRPC segmentation API of a running inference-service. */
@Command(name = "segment", mixinStandardHelpOptions = true,
        description = {"Segment a CT (NIfTI) on a liverseg server over gRPC: the file is streamed in 1 MiB chunks,",
            "the mask (uint8 labels on the input's exact grid) comes back and is written to -o once its size and",
            "SHA-256 match the server's report. The same code as the streaming path computes it.",
            "Exit codes: 0 done, 2 bad input (INVALID_ARGUMENT, NOT_FOUND, ...), 3 try again later",
            "(UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED), 1 anything else; the server's message on stderr."})
final class SegmentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--server", defaultValue = "127.0.0.1:8082",
            description = "HOST:PORT of the gRPC API (an inference-service's HTTP port; `./liverseg stack` prints it"
                    + " as `grpc ...`). Default ${DEFAULT-VALUE}.")
    String server;

    @Parameters(paramLabel = "IN", description = "The CT (.nii or .nii.gz).")
    Path in;

    @Option(names = {"-o", "--output"}, required = true, description = "The mask to write (.nii.gz).")
    Path output;

    @Option(names = "--probabilities", paramLabel = "FILE",
            description = "Also write the class probabilities the mask was taken from (.nii.gz: 4D, one volume per"
                    + " class, uint8 read as p = value / 255, on the input's grid).")
    Path probabilities;

    @Option(names = "--attention", paramLabel = "FILE",
            description = "Also write the attention gates' maps (.nii.gz: 4D, one volume per gate, finest first,"
                    + " uint8 read as alpha = value / 255, on the input's grid); a second, plain pass on the server.")
    Path attention;

    @Option(names = "--json", description = "Print one JSON object: volumes, model version, timings.")
    boolean json;

    @Option(names = "--tta", arity = "0..1", defaultValue = "none", fallbackValue = "flip", paramLabel = "MODE",
            converter = ModelOptions.TtaConverter.class, description = {"Test-time augmentation: none (default), flip"
                + " (--tta alone; only for models trained with mirroring) or shift (5 forward passes a batch)."})
    TestTimeAugmentation tta;

    @Option(names = "--model-version", description = "A model version of the registry (default: the champion).")
    String modelVersion;

    @Option(names = "--task", defaultValue = "liver", description = "liver or vessels (default ${DEFAULT-VALUE}).")
    String task;

    @Option(names = "--timeout", defaultValue = "0",
            description = "Seconds the server may take (the call's gRPC deadline); 0 = no deadline.")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(in)) {
            throw new IOException(in + ": no such file");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SegmentOptions.Builder options = SegmentOptions.newBuilder().setTask(task)
                .setAugmentation(Augmentation.valueOf("AUGMENTATION_" + tta.name()))
                // servers from before the augmentation field read only this flag
                .setTta(tta == TestTimeAugmentation.FLIP);
        if (modelVersion != null) {
            options.setModelVersion(modelVersion);
        }
        ProgressBar bar = System.console() != null && !json ? new ProgressBar(err) : null;
        SegmentationClient.Result result;
        try (SegmentationClient client = new SegmentationClient(server)) {
            result = client.segment(in, output, probabilities, attention, options.build(), timeoutSeconds,
                    bar == null ? p -> { } : bar::show);
        } catch (StatusRuntimeException e) {
            if (bar != null) {
                bar.end();
            }
            err.println("segment: " + in + ": " + SegmentationClient.describe(e));
            err.flush();
            return SegmentationClient.exitCode(e.getStatus());
        }
        if (bar != null) {
            bar.end();
        }
        Map<String, Object> o = report(in, output, probabilities, attention, result);
        if (json) {
            out.println(Json.write(o));
        } else {
            SegmentReport r = result.report();
            out.printf("wrote %s (%s model version %s%s)%n", output, r.getTask(), r.getModelVersion(),
                    r.getTta() ? ", flip TTA" : "");
            if (probabilities != null) {
                out.printf("wrote %s (probabilities of %s)%n", probabilities, String.join(", ", r.getClassNamesList()));
            }
            if (attention != null) {
                out.printf("wrote %s (attention maps)%n", attention);
            }
            for (LabelVolume v : r.getVolumesList()) {
                if (v.getLabel() > 0) {
                    out.printf(Locale.ROOT, "  %-10s %10.2f mL  (%d voxels)%n", v.getName(), v.getVolumeMl(),
                            v.getVoxels());
                }
            }
            out.printf("timings %s%n", o.get("timings_ms"));
        }
        out.flush();
        return 0;
    }

    /** The --json object. */
    static Map<String, Object> report(Path in, Path output, Path probabilities, Path attention,
                                      SegmentationClient.Result result) {
        SegmentReport r = result.report();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("input", in.toString());
        o.put("output", output.toString());
        o.put("task", r.getTask());
        o.put("model_version", r.getModelVersion());
        o.put("tta", r.getTta());
        // a server newer than this client may name a value it does not know: UNRECOGNIZED
        o.put("augmentation", r.getAugmentation().name().replaceFirst("^AUGMENTATION_", "").toLowerCase(Locale.ROOT));
        o.put("dims", r.getGeometry().getDimsList());
        List<Map<String, Object>> volumes = new ArrayList<>();
        for (LabelVolume v : r.getVolumesList()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("label", v.getLabel());
            m.put("name", v.getName());
            m.put("voxels", v.getVoxels());
            m.put("volume_ml", v.getVolumeMl());
            volumes.add(m);
        }
        o.put("volumes", volumes);
        Map<String, Long> timings = new LinkedHashMap<>(r.getTimingsMsMap());
        timings.put("client_total", result.wallMs());
        o.put("timings_ms", timings);
        o.put("mask_bytes", r.getMaskBytes());
        o.put("mask_sha256", r.getMaskSha256());
        if (probabilities != null) {
            o.put("probabilities", probabilities.toString());
            o.put("probabilities_bytes", r.getProbabilitiesBytes());
            o.put("probabilities_sha256", r.getProbabilitiesSha256());
        }
        if (attention != null) {
            o.put("attention", attention.toString());
            o.put("attention_bytes", r.getAttentionBytes());
            o.put("attention_sha256", r.getAttentionSha256());
        }
        return o;
    }

    /** One line on stderr, redrawn: the upload, the queue, then slices done of total. */
    static final class ProgressBar {
        private static final int WIDTH = 30;
        private final PrintWriter err;
        private String last = "";

        ProgressBar(PrintWriter err) {
            this.err = err;
        }

        void show(Progress p) {
            String line = line(p);
            if (!line.equals(last)) {
                err.print("\r" + line + " ".repeat(Math.max(0, last.length() - line.length())));
                err.flush();
                last = line;
            }
        }

        static String line(Progress p) {
            return switch (p.getStage()) {
                case RECEIVING -> "uploading ...";
                case QUEUED -> "waiting for the server (position " + p.getQueuePosition() + ") ...";
                case SEGMENTING -> {
                    int total = Math.max(1, p.getTotalSlices());
                    int filled = (int) ((long) WIDTH * p.getSlicesDone() / total);
                    yield "segmenting [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + p.getSlicesDone()
                            + "/" + p.getTotalSlices() + " slices";
                }
                case WRITING -> "writing the mask ...";
                default -> "";
            };
        }

        void end() {
            if (!last.isEmpty()) {
                err.println();
                err.flush();
            }
        }
    }
}
