package io.liverseg.ingest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import io.liverseg.storage.StorageException;
import io.liverseg.storage.status.ScanCatalog;
import io.liverseg.storage.status.ScanStatus;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/** The REST front door: uploads, status, masks and reports. Everything it answers comes from the bucket. */
@Path("/api/scans")
public class ScanResource {
    static final String GZIP = "application/gzip";
    private static final Pattern FILENAME = Pattern.compile("filename\\*?=(?:UTF-8'')?\"?([^\";]+)\"?",
            Pattern.CASE_INSENSITIVE);
    private static final int MAX_NAME = 255;
    /** Scans a listing page holds unless {@code ?limit=} says otherwise. */
    static final int DEFAULT_PAGE = 20;

    private final IngestService ingest;
    private final StatusService status;
    private final ObjectStore store;
    private final ObjectMapper json;

    public ScanResource(IngestService ingest, StatusService status, ObjectStore store, ObjectMapper json) {
        this.ingest = ingest;
        this.status = status;
        this.store = store;
        this.json = json;
    }

    /** The answer to an upload. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Accepted(String id, String status, boolean duplicate, String location) {
    }

    /** A raw .nii or .nii.gz body; the name from {@code ?name=}, else Content-Disposition's filename. */
    @POST
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Response uploadRaw(InputStream body, @QueryParam("name") String name,
                              @HeaderParam("Content-Disposition") String disposition) throws IOException {
        String given = fileName(name, disposition);
        Spooled file = spool(body, given == null ? "body" : given);
        try {
            String display = given != null ? given : file.gzip() ? "upload.nii.gz" : "upload.nii";
            return accept(new IngestService.Intake(new IngestService.Part(file, display), null, null, Map.of(),
                    ScanRecord.SOURCE_UPLOAD, null));
        } finally {
            file.delete();
        }
    }

    /**
     * Multipart: part {@code image} (required), {@code label} (optional), {@code label_task} (optional: the task
     * whose label convention the label follows, {@code liver} by default; only that task's mask is scored against
     * it), {@code metadata} (JSON object).
     */
    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Response uploadMultipart(@RestForm("image") FileUpload image, @RestForm("label") FileUpload label,
                                    @RestForm("label_task") String labelTask,
                                    @RestForm("metadata") String metadata) throws IOException {
        if (image == null) {
            throw new ProblemException(Problem.badRequest("multipart/form-data upload without the required part"
                    + " 'image' (a .nii or .nii.gz file part)", "image", "image"));
        }
        if (label == null && labelTask != null) {
            throw new ProblemException(Problem.badRequest("part 'label_task' given without a 'label' part",
                    null, "label_task"));
        }
        String task = label == null ? null : Tasks.resolve(labelTask, status.tasks(), "label_task");
        Map<String, String> meta = parseMetadata(metadata);
        IngestService.Part imagePart = part(image, "image");
        IngestService.Part labelPart = label == null ? null : part(label, "label");
        return accept(new IngestService.Intake(imagePart, labelPart, task, meta, ScanRecord.SOURCE_UPLOAD, null));
    }

    /**
     * Any other content type: 415 with a problem body. A request without Content-Type is taken as a raw body.
     */
    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Response uploadOther(InputStream body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
                                @QueryParam("name") String name,
                                @HeaderParam("Content-Disposition") String disposition) throws IOException {
        if (contentType == null || contentType.isBlank()) {
            return uploadRaw(body, name, disposition);
        }
        throw new ProblemException(Problem.unsupportedMediaType("Content-Type '" + contentType + "' is not accepted:"
                + " POST /api/scans takes application/octet-stream (a .nii or .nii.gz) or multipart/form-data"
                + " (parts image, label, label_task, metadata)"));
    }

    /**
     * The scans the bucket knows, most recently stored first, with their status: {@code ?status=} one of
     * preprocessing, inferring, mask_ready, failed; {@code ?limit=} 1 to 200 (default 20); {@code ?cursor=} the
     * {@code next} of the page before. 400 naming the parameter that cannot be used; 503 while the store cannot
     * be reached.
     */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public ScanCatalog.Page list(@QueryParam("status") String statusFilter, @QueryParam("limit") String limit,
                                 @QueryParam("cursor") String cursor) {
        int n;
        try {
            n = limit == null ? DEFAULT_PAGE : Integer.parseInt(limit.trim());
        } catch (NumberFormatException e) {
            throw new ProblemException(Problem.badRequest("limit '" + limit + "' is not a whole number", null,
                    "limit"));
        }
        try {
            return orUnavailable(() -> status.list(blankToNull(statusFilter), n, blankToNull(cursor)));
        } catch (ScanCatalog.BadRequestException e) {
            throw new ProblemException(Problem.badRequest(e.getMessage(), null, e.field()), e);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    @GET
    @Path("{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public ScanStatus get(@PathParam("id") String id) {
        return status.status(id)
                .orElseThrow(() -> new ProblemException(Problem.notFound("no scan " + id + " (no scans/" + id
                        + "/scan.json in the bucket)")));
    }

    /** The answer to a new segmentation: the scan, and per task the version of its mask and the champion's. */
    public record Resegment(String id, String location, Map<String, IngestService.Change> tasks) {
    }

    /**
     * Segments a finished scan again with the current champion models (after a promotion): 202 with the tasks whose
     * mask will change (from the version of its mask to the champion's); 404 unknown scan; 409 still being processed,
     * failed (retry it), or segmented by the current champions already. The new masks replace the old ones; the
     * status stays mask_ready meanwhile, and each report names the version of its mask.
     */
    @POST
    @Path("{id}/resegment")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Response resegment(@PathParam("id") String id) {
        IngestService.Resegmented r = orUnavailable(() -> ingest.resegment(id));
        String location = "/api/scans/" + id;
        return Response.accepted(new Resegment(id, location, r.tasks()))
                .location(URI.create(location))
                .build();
    }

    /** The answer to a retry: the scan and the failure it had. */
    public record Retry(String id, String status, String location, @JsonProperty("failed_stage") String failedStage,
                        @JsonProperty("failure_reason") String failureReason) {
    }

    /**
     * Sends a failed scan down the pipeline again (after a store or broker outage outlasted the services' retries):
     * 202 with the failure it had; 404 unknown scan; 409 not failed, or refused at ingest (nothing stored).
     */
    @POST
    @Path("{id}/retry")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Response retry(@PathParam("id") String id) {
        IngestService.Retried retried = orUnavailable(() -> ingest.retry(id));
        String location = "/api/scans/" + id;
        return Response.accepted(new Retry(id, ScanStatus.RECEIVED, location, retried.cleared().getStage(),
                        retried.cleared().getReason()))
                .location(URI.create(location))
                .build();
    }

    /** The answer to a deletion. */
    public record Deletion(String id, String status, @JsonProperty("objects_deleted") int objectsDeleted) {
    }

    /**
     * Deletes a scan and everything made from it (image, label, records, intermediates, masks, reports, and the
     * incoming/ object it came from): 200 with the number of objects; 404 unknown scan; 409 still being processed;
     * 503 if the store or the broker cannot be reached (then nothing, or not everything, is deleted: call again).
     */
    @DELETE
    @Path("{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Deletion delete(@PathParam("id") String id) {
        IngestService.Deleted deleted = orUnavailable(() -> ingest.delete(id));
        return new Deletion(deleted.scanId(), "deleted", deleted.objects());
    }

    /** A call on a scan whose store or broker could not be reached: 503, the client may call again. */
    private static <T> T orUnavailable(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (IllegalStateException | StorageException e) {
            throw new ProblemException(Problem.unavailable(e.getMessage()), e);
        }
    }

    /** The mask of a task ({@code liver} by default) as NIfTI (.nii.gz), streamed from the bucket. */
    @GET
    @Path("{id}/mask")
    @Blocking
    public Response mask(@PathParam("id") String id, @QueryParam("task") String task) {
        String t = Tasks.resolve(task, status.tasks(), "task");
        ProblemException.requireScanId(id);
        String key = ObjectKeys.mask(id, t);
        Optional<Long> size = store.size(key);
        Optional<InputStream> in = size.isPresent() ? store.open(key) : Optional.empty();
        if (in.isEmpty()) {
            String why = status.status(id).map(s -> "the " + t + " mask of scan " + id + " is not ready (status "
                    + s.status() + (s.reason() != null ? ": " + s.reason() : "") + ")")
                    .orElse("no scan " + id);
            throw new ProblemException(Problem.notFound(why));
        }
        return Response.ok(in.get(), GZIP)
                .header(HttpHeaders.CONTENT_LENGTH, size.get())
                .header("Content-Disposition", "attachment; filename=\"" + id.substring(0, 12) + "_" + t
                        + "_mask.nii.gz\"")
                .build();
    }

    /** The reports of every task that has one (volumes, Dice, model version, timings). */
    @GET
    @Path("{id}/report")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public ObjectNode report(@PathParam("id") String id) {
        return status.report(id)
                .orElseThrow(() -> new ProblemException(Problem.notFound(status.status(id)
                        .map(s -> "no report of scan " + id + " yet (status " + s.status() + ")")
                        .orElse("no scan " + id))));
    }

    private Response accept(IngestService.Intake intake) throws IOException {
        IngestService.Outcome outcome;
        try {
            outcome = ingest.ingest(intake);
        } catch (InvalidScanException e) {
            throw new ProblemException(e.problem(), e);
        } catch (IllegalStateException | StorageException e) {
            // the scan is fine, storing or announcing it failed: the client may retry the same bytes
            throw new ProblemException(Problem.unavailable(e.getMessage()), e);
        } finally {
            intake.image().file().delete();
            if (intake.label() != null) {
                intake.label().file().delete();
            }
        }
        String id = outcome.scanId();
        String current = outcome.duplicate()
                ? status.status(id).map(ScanStatus::status).orElse(ScanStatus.RECEIVED)
                : ScanStatus.RECEIVED;
        String location = "/api/scans/" + id;
        return Response.accepted(new Accepted(id, current, outcome.duplicate(), location))
                .location(URI.create(location))
                .build();
    }

    private Spooled spool(InputStream body, String name) throws IOException {
        try {
            return Spooled.spool(body, ingest.tempDir(), name, ingest.maxBytes(), ingest.dataScanTap());
        } catch (InvalidScanException e) {
            throw new ProblemException(e.problem(), e);
        }
    }

    private IngestService.Part part(FileUpload upload, String partName) throws IOException {
        String name = sanitize(upload.fileName());
        String display = name == null ? partName : name;
        if (upload.size() > ingest.maxBytes()) {
            throw new ProblemException(InvalidScanException.tooLarge(display, ingest.maxBytes()).problem());
        }
        return new IngestService.Part(Spooled.of(upload.uploadedFile(), ingest.dataScanTap()), display);
    }

    private Map<String, String> parseMetadata(String metadata) {
        if (metadata == null || metadata.isBlank()) {
            return Map.of();
        }
        JsonNode node;
        try {
            node = json.readTree(metadata);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ProblemException(Problem.badRequest("part 'metadata' is not JSON: " + e.getOriginalMessage(),
                    "metadata", "metadata"));
        }
        if (node == null || !node.isObject()) {
            throw new ProblemException(Problem.badRequest("part 'metadata' must be a JSON object of string values",
                    "metadata", "metadata"));
        }
        Map<String, String> out = new LinkedHashMap<>();
        var fields = node.fields();
        while (fields.hasNext()) {
            var e = fields.next();
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw new ProblemException(Problem.badRequest("part 'metadata': the value of '" + e.getKey()
                        + "' must be a string", "metadata", e.getKey()));
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /** The client's file name: ?name= first, else Content-Disposition's filename; the last path segment only. */
    static String fileName(String query, String disposition) {
        if (query != null && !query.isBlank()) {
            return sanitize(query);
        }
        if (disposition != null) {
            Matcher m = FILENAME.matcher(disposition);
            if (m.find()) {
                return sanitize(java.net.URLDecoder.decode(m.group(1), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return null;
    }

    static String sanitize(String name) {
        if (name == null) {
            return null;
        }
        String n = name.replace('\\', '/');
        n = n.substring(n.lastIndexOf('/') + 1).replaceAll("[\\p{Cntrl}\"]", "_").trim();
        if (n.isEmpty()) {
            return null;
        }
        return n.length() > MAX_NAME ? n.substring(n.length() - MAX_NAME) : n;
    }
}
