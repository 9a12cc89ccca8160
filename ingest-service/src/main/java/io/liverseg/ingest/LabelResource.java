package io.liverseg.ingest;

import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.InputStream;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/**
 * {@code POST /api/scans/{id}/label[?task=liver]}: a radiologist's label for a stored scan (raw .nii/.nii.gz body,
 * or multipart part {@code label}). 200 with where it is stored; 404 for an unknown scan; 400 with the field
 * ({@code dim}, {@code affine}, a NIfTI header field) when the label is not valid or not on the scan's grid.
 */
@Path("/api/scans/{id}/label")
public class LabelResource {
    private final LabelService labels;
    private final IngestService ingest;

    public LabelResource(LabelService labels, IngestService ingest) {
        this.labels = labels;
        this.ingest = ingest;
    }

    @POST
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public LabelService.Stored raw(@PathParam("id") String id, InputStream body, @QueryParam("task") String task,
                                   @QueryParam("name") String name,
                                   @HeaderParam("Content-Disposition") String disposition) throws IOException {
        String given = ScanResource.fileName(name, disposition);
        Spooled file;
        try {
            file = Spooled.spool(body, ingest.tempDir(), given == null ? "label" : given, ingest.maxBytes(),
                    ingest.dataScanTap());
        } catch (InvalidScanException e) {
            throw new ProblemException(e.problem(), e);
        }
        return store(id, file, given != null ? given : file.gzip() ? "label.nii.gz" : "label.nii", task);
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public LabelService.Stored multipart(@PathParam("id") String id, @RestForm("label") FileUpload label,
                                         @QueryParam("task") String task) throws IOException {
        if (label == null) {
            throw new ProblemException(Problem.badRequest("multipart/form-data without the required part 'label'"
                    + " (a .nii or .nii.gz file part)", "label", "label"));
        }
        String name = ScanResource.sanitize(label.fileName());
        return store(id, Spooled.of(label.uploadedFile(), ingest.dataScanTap()), name == null ? "label" : name, task);
    }

    private LabelService.Stored store(String id, Spooled file, String name, String task) throws IOException {
        try {
            return labels.correct(id, file, name, task);
        } catch (InvalidScanException e) {
            throw new ProblemException(e.problem(), e);
        } catch (IllegalStateException e) {
            throw new ProblemException(Problem.unavailable(e.getMessage()), e);
        } finally {
            file.delete();
        }
    }
}
