package io.liverseg.ingest;

/**
 * A file refused by validation: not NIfTI, corrupt, truncated, too large, or a label that does not match its
 * image. Names the file (client file name or object key) and the field at fault.
 */
public class InvalidScanException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final String field;
    private final boolean tooLarge;

    public InvalidScanException(String file, String field, String detail) {
        this(file, field, detail, false);
    }

    private InvalidScanException(String file, String field, String detail, boolean tooLarge) {
        super(detail);
        this.file = file;
        this.field = field;
        this.tooLarge = tooLarge;
    }

    public static InvalidScanException tooLarge(String file, long limit) {
        return new InvalidScanException(file, "size", file + ": larger than the limit liverseg.ingest.max-bytes = "
                + limit + " bytes", true);
    }

    public String file() {
        return file;
    }

    public String field() {
        return field;
    }

    /** True when the file exceeded liverseg.ingest.max-bytes (413 rather than 400). */
    public boolean tooLarge() {
        return tooLarge;
    }

    /** The problem body for a REST client. */
    public Problem problem() {
        return tooLarge ? Problem.tooLarge(getMessage(), file) : Problem.badInput(getMessage(), file, field);
    }
}
