package io.liverseg.training;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;

/** Training runs and datasets: queue a run, follow it, list runs, read a task's dataset manifest. */
@Path("/api/training")
@Produces(MediaType.APPLICATION_JSON)
public class TrainingResource {
    private final Runs runs;
    private final RunStore store;
    private final DatasetStore datasets;
    private final TrainingServiceConfig config;

    public TrainingResource(Runs runs, RunStore store, DatasetStore datasets, TrainingServiceConfig config) {
        this.runs = runs;
        this.store = store;
        this.datasets = datasets;
        this.config = config;
    }

    /** The answer to a queued run. */
    public record Queued(String id, String status, String task, String location) {
    }

    /**
     * Queues a run; the body (optional, JSON) overrides the configured defaults, e.g. {@code {"epochs":5,
     * "maxCases":40}}. Answers 202 with the run's id; one run at a time, later ones wait in the queue.
     */
    @POST
    @Path("runs")
    @Blocking
    public Response submit(String body) {
        RunRequest request = parse(body);
        RunRecord r;
        try {
            r = runs.submit(request, "api", "requested through POST /api/training/runs");
        } catch (RunSettings.InvalidSetting e) {
            throw ApiProblem.badRequest(e.getMessage(), e.field());
        }
        String location = "/api/training/runs/" + r.id();
        return Response.accepted(new Queued(r.id(), r.status(), r.task(), location)).location(URI.create(location)).build();
    }

    /** Runs, newest first; optionally of one task or status. */
    @GET
    @Path("runs")
    @Blocking
    public List<RunRecord> list(@QueryParam("task") String task, @QueryParam("status") String status) {
        return store.list().stream()
                .filter(r -> task == null || task.equals(r.task()))
                .filter(r -> status == null || status.equals(r.status()))
                .toList();
    }

    /** One run: status, progress (epoch, loss, validation Dice, ETA), candidate, evaluation, reason. */
    @GET
    @Path("runs/{id}")
    @Blocking
    public RunRecord get(@PathParam("id") String id) {
        return store.get(id).orElseThrow(() -> ApiProblem.notFound("no training run " + id));
    }

    /** The dataset manifest of a task (default: liver). */
    @GET
    @Path("dataset")
    @Blocking
    public DatasetManifest dataset(@QueryParam("task") String task) {
        String t = task == null || task.isBlank() ? config.training().defaultTask() : task;
        if (!config.training().tasks().contains(t)) {
            throw ApiProblem.badRequest("unknown task '" + t + "'; tasks: " + config.training().tasks(), "task");
        }
        return datasets.get(t);
    }

    static RunRequest parse(String body) {
        if (body == null || body.isBlank()) {
            return RunRequest.forTask(null);
        }
        try {
            RunRequest r = Json.STRICT.readValue(body, RunRequest.class);
            return r == null ? RunRequest.forTask(null) : r;
        } catch (UnrecognizedPropertyException e) {
            throw ApiProblem.badRequest("unknown field '" + e.getPropertyName() + "' in the run request; known: "
                    + e.getKnownPropertyIds(), e.getPropertyName());
        } catch (JsonProcessingException e) {
            String field = e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m && !m.getPath().isEmpty()
                    ? m.getPath().get(m.getPath().size() - 1).getFieldName() : null;
            throw ApiProblem.badRequest("the run request is not valid JSON of the expected types: " + e.getOriginalMessage(),
                    field);
        }
    }
}
