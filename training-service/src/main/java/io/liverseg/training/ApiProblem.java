package io.liverseg.training;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * An RFC 7807 problem body ({@code application/problem+json}) and the exception that ends a request with it.
 *
 * @param type   URI naming the kind of problem
 * @param title  short summary of the kind
 * @param status HTTP status
 * @param detail one line for humans
 * @param field  the request field at fault, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiProblem(String type, String title, int status, String detail, String field) {
    public static final String MEDIA_TYPE = "application/problem+json";

    static ApiException badRequest(String detail, String field) {
        return new ApiException(new ApiProblem("/problems/bad-request", "Bad request", 400, detail, field));
    }

    static ApiException notFound(String detail) {
        return new ApiException(new ApiProblem("/problems/not-found", "Not found", 404, detail, null));
    }

    static ApiException conflict(String detail) {
        return new ApiException(new ApiProblem("/problems/conflict", "Conflict", 409, detail, null));
    }

    /** Ends a request with its problem body. */
    public static class ApiException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient ApiProblem problem;

        ApiException(ApiProblem problem) {
            super(problem.detail());
            this.problem = problem;
        }

        public ApiProblem problem() {
            return problem;
        }
    }

    /** Maps {@link ApiException} to its problem body. */
    public static class Mapper {
        @ServerExceptionMapper
        public Response map(ApiException e) {
            return Response.status(e.problem().status()).type(MEDIA_TYPE).entity(e.problem()).build();
        }
    }
}
