package io.liverseg.ingest;

import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every refusal leaves as an {@code application/problem+json} body. */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return response(e.problem());
    }

    @ServerExceptionMapper
    public Response unsupported(NotSupportedException e) {
        return response(Problem.unsupportedMediaType("POST /api/scans takes application/octet-stream (a .nii or .nii.gz)"
                + " or multipart/form-data (parts image, label, metadata)"));
    }

    static Response response(Problem p) {
        return Response.status(p.status()).type(Problem.MEDIA_TYPE).entity(p).build();
    }
}
