package io.liverseg.training;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.liverseg.storage.ModelRegistry;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;

/**
 * The model registry of a task ({@code ?task=}, default liver): versions with status and metrics, the champion and
 * its history; manual promotion and rollback (both recorded, both announced by ModelPromoted).
 */
@Path("/api/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelResource {
    private final ModelRegistry registry;
    private final Promotions promotions;
    private final TrainingServiceConfig config;

    public ModelResource(ModelRegistry registry, Promotions promotions, TrainingServiceConfig config) {
        this.registry = registry;
        this.promotions = promotions;
        this.config = config;
    }

    /**
     * One version as listed.
     *
     * @param version            the version
     * @param status             champion, candidate, rejected, retired
     * @param reason             why it has that status
     * @param metrics            recorded numbers (validation and evaluation Dice, margin)
     * @param updatedAt          last status change
     * @param parentVersion      lineage from model.json
     * @param createdAt          model.json created_at
     * @param datasetFingerprint model.json training.dataset_fingerprint
     * @param packagePrefix      where the package is in the bucket
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Version(String version, String status, String reason, Map<String, Double> metrics, String updatedAt,
                          String parentVersion, String createdAt, String datasetFingerprint, String packagePrefix) {
    }

    /** The registry of one task: its versions and the champion's history, oldest first. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Models(String task, String champion, List<Version> versions, List<Change> history) {
    }

    /** One champion change (seed, promotion, rollback, manual). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Change(String version, String previousVersion, String reason, String note, Map<String, Double> metrics,
                         String at) {
        static Change of(ModelRegistry.HistoryEntry h) {
            return new Change(h.version(), h.previousVersion(), h.reason(), h.note(), h.metrics(), h.at());
        }
    }

    /** The champion after a promotion or rollback. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Champion(String task, String version, String previousVersion, String reason, String promotedAt) {
        static Champion of(String task, ModelRegistry.Champion c) {
            return new Champion(task, c.version(), c.previousVersion(), c.reason(), c.promotedAt());
        }
    }

    /** A promotion or rollback request (optional body): a note for the history. */
    public record ChangeRequest(String note) {
    }

    @GET
    @Blocking
    public Models list(@QueryParam("task") String task) {
        String t = task(task);
        return new Models(t, registry.champion(t).map(ModelRegistry.Champion::version).orElse(null),
                registry.statuses(t).stream().map(v -> version(t, v)).toList(),
                registry.history(t).stream().map(Change::of).toList());
    }

    @GET
    @Path("{version}")
    @Blocking
    public Version get(@PathParam("version") String version, @QueryParam("task") String task) {
        String t = task(task);
        return registry.status(t, requireVersion(version)).map(v -> version(t, v))
                .orElseThrow(() -> ApiProblem.notFound("model " + t + " has no version " + version));
    }

    /** Makes a version the champion (reason "manual"). */
    @POST
    @Path("{version}/promote")
    @Blocking
    public Champion promote(@PathParam("version") String version, @QueryParam("task") String task,
                                          String body) {
        String t = task(task);
        requireCandidateFor(t, version);
        return Champion.of(t, promotions.promote(t, version, "manual", note(body), null));
    }

    /** Makes an earlier version the champion again (reason "rollback"). */
    @POST
    @Path("{version}/rollback")
    @Blocking
    public Champion rollback(@PathParam("version") String version, @QueryParam("task") String task,
                                           String body) {
        String t = task(task);
        requireCandidateFor(t, version);
        try {
            return Champion.of(t, promotions.rollback(t, version, note(body)));
        } catch (IllegalStateException e) {
            throw ApiProblem.conflict(e.getMessage());
        }
    }

    private void requireCandidateFor(String task, String version) {
        requireVersion(version);
        if (registry.manifest(task, version).isEmpty()) {
            throw ApiProblem.notFound("model " + task + " has no version " + version + " (versions: "
                    + registry.versions(task) + ")");
        }
        if (registry.champion(task).map(ModelRegistry.Champion::version).filter(version::equals).isPresent()) {
            throw ApiProblem.conflict("version " + version + " is already the champion of " + task);
        }
    }

    private Version version(String task, ModelRegistry.VersionStatus v) {
        JsonNode m = registry.manifest(task, v.version()).orElse(null);
        return new Version(v.version(), v.status(), v.reason(), v.metrics(), v.updatedAt(),
                m == null || !m.hasNonNull("parent_version") ? null : m.get("parent_version").asText(),
                m == null ? null : m.path("created_at").asText(null),
                m == null ? null : m.path("training").path("dataset_fingerprint").asText(null),
                io.liverseg.storage.ObjectKeys.modelPrefix(task, v.version()));
    }

    private String task(String task) {
        String t = task == null || task.isBlank() ? config.training().defaultTask() : task;
        if (!config.training().tasks().contains(t)) {
            throw ApiProblem.badRequest("unknown task '" + t + "'; tasks: " + config.training().tasks(), "task");
        }
        return t;
    }

    private static String requireVersion(String version) {
        if (!io.liverseg.storage.ObjectKeys.isName(version)) {
            throw ApiProblem.badRequest("'" + version + "' is not a model version", "version");
        }
        return version;
    }

    private static String note(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            ChangeRequest r = Json.STRICT.readValue(body, ChangeRequest.class);
            return r == null ? null : r.note();
        } catch (JsonProcessingException e) {
            throw ApiProblem.badRequest("the body must be {\"note\": \"...\"}: " + e.getOriginalMessage(), "note");
        }
    }
}
