package io.liverseg.cli;

import io.grpc.StatusRuntimeException;
import io.liverseg.proto.segmentation.v1.GetModelRequest;
import io.liverseg.proto.segmentation.v1.ListModelsRequest;
import io.liverseg.proto.segmentation.v1.ListModelsResponse;
import io.liverseg.proto.segmentation.v1.Model;
import io.liverseg.proto.segmentation.v1.ModelTask;
import io.liverseg.proto.segmentation.v1.SegmentationGrpc;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code liverseg models}: the model registry as a liverseg server sees it (gRPC ListModels / GetModel). */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"List the registry's tasks, versions and champions, with each champion's classes and",
            "validation metrics (gRPC ListModels and GetModel). With --task and --model-version: that version only."})
final class ModelsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--server", defaultValue = "127.0.0.1:8082",
            description = "HOST:PORT of the gRPC API. Default ${DEFAULT-VALUE}.")
    String server;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--task", description = "Only this task.")
    String task;

    @Option(names = "--model-version", description = "With --task: this version instead of the champion.")
    String version;

    @Option(names = "--timeout", defaultValue = "30", description = "Seconds per call (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() {
        if (version != null && task == null) {
            throw new IllegalArgumentException("--model-version needs --task");
        }
        PrintWriter out = spec.commandLine().getOut();
        List<Map<String, Object>> tasks = new ArrayList<>();
        try (SegmentationClient client = new SegmentationClient(server)) {
            SegmentationGrpc.SegmentationBlockingStub stub = client.blocking(timeoutSeconds);
            ListModelsResponse list = stub.listModels(ListModelsRequest.getDefaultInstance());
            for (ModelTask t : list.getTasksList()) {
                if (task != null && !task.equals(t.getTask())) {
                    continue;
                }
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("task", t.getTask());
                o.put("versions", t.getVersionsList());
                String wanted = version != null ? version : t.hasChampion() ? t.getChampion().getVersion() : null;
                if (t.hasChampion()) {
                    Map<String, Object> c = new LinkedHashMap<>();
                    c.put("version", t.getChampion().getVersion());
                    c.put("previous_version", t.getChampion().getPreviousVersion().isEmpty() ? null
                            : t.getChampion().getPreviousVersion());
                    c.put("reason", t.getChampion().getReason());
                    c.put("promoted_at", t.getChampion().getPromotedAt());
                    o.put("champion", c);
                } else {
                    o.put("champion", null);
                }
                if (wanted != null) {
                    Model m = stub.withDeadlineAfter(timeoutSeconds, java.util.concurrent.TimeUnit.SECONDS)
                            .getModel(GetModelRequest.newBuilder().setTask(t.getTask()).setVersion(wanted).build());
                    o.put("model", model(m));
                }
                tasks.add(o);
            }
            if (task != null && tasks.isEmpty()) {
                spec.commandLine().getErr().println("models: the registry has no task " + task);
                spec.commandLine().getErr().flush();
                return LiversegCli.EXIT_BAD_INPUT;
            }
        } catch (StatusRuntimeException e) {
            spec.commandLine().getErr().println("models: " + server + ": " + SegmentationClient.describe(e));
            spec.commandLine().getErr().flush();
            return SegmentationClient.exitCode(e.getStatus());
        }
        if (json) {
            out.println(Json.write(Map.of("tasks", tasks)));
        } else {
            for (Map<String, Object> t : tasks) {
                @SuppressWarnings("unchecked")
                Map<String, Object> c = (Map<String, Object>) t.get("champion");
                out.printf("%s: versions %s, champion %s%n", t.get("task"), t.get("versions"),
                        c == null ? "none" : c.get("version") + " (" + c.get("reason") + ", " + c.get("promoted_at") + ")");
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) t.get("model");
                if (m != null) {
                    out.printf("  version %s: %s, classes %s, input %s px x %s channel(s)%n", m.get("version"),
                            m.get("name"), m.get("class_names"), m.get("target_size"), m.get("channels"));
                    @SuppressWarnings("unchecked")
                    Map<String, Double> metrics = (Map<String, Double>) m.get("metrics");
                    metrics.forEach((k, v) -> out.printf(Locale.ROOT, "    %-28s %.4f%n", k, v));
                }
            }
        }
        out.flush();
        return 0;
    }

    private static Map<String, Object> model(Model m) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("version", m.getVersion());
        o.put("champion", m.getChampion());
        o.put("name", m.getName());
        o.put("parent_version", m.getParentVersion().isEmpty() ? null : m.getParentVersion());
        o.put("created_at", m.getCreatedAt());
        o.put("class_names", m.getClassNamesList());
        o.put("target_size", m.getTargetSize());
        o.put("channels", m.getChannels());
        o.put("metrics", new TreeMap<>(m.getMetricsMap()));
        return o;
    }
}
