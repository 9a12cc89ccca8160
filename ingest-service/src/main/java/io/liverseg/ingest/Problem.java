package io.liverseg.ingest;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 7807 problem body ({@code application/problem+json}): what went wrong, for which file (upload part or
 * object key) and which field.
 *
 * @param type   URI naming the kind of problem, relative to this service
 * @param title  short summary of the kind
 * @param status HTTP status
 * @param detail one line for humans
 * @param file   the file at fault (client file name, multipart part or object key), or null
 * @param field  the field at fault (a NIfTI header field, {@code dim}, {@code affine}, a part name), or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String file, String field) {
    public static final String MEDIA_TYPE = "application/problem+json";

    public static Problem badInput(String detail, String file, String field) {
        return new Problem("/problems/invalid-nifti", "Invalid NIfTI input", 400, detail, file, field);
    }

    public static Problem badRequest(String detail, String file, String field) {
        return new Problem("/problems/bad-request", "Bad request", 400, detail, file, field);
    }

    public static Problem tooLarge(String detail, String file) {
        return new Problem("/problems/too-large", "Payload too large", 413, detail, file, "size");
    }

    public static Problem unsupportedMediaType(String detail) {
        return new Problem("/problems/unsupported-media-type", "Unsupported media type", 415, detail, null,
                "Content-Type");
    }

    public static Problem notFound(String detail) {
        return new Problem("/problems/not-found", "Not found", 404, detail, null, null);
    }

    public static Problem conflict(String detail) {
        return new Problem("/problems/conflict", "Conflict", 409, detail, null, null);
    }

    public static Problem unavailable(String detail) {
        return new Problem("/problems/unavailable", "Service unavailable", 503, detail, null, null);
    }
}
