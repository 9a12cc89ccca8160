package io.liverseg.model.pkg;

import java.io.IOException;
import java.nio.file.Path;

/** A model package that cannot be used: a file missing, unreadable or not matching model.json. */
public class ModelPackageException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final String field;

    public ModelPackageException(Path file, String field, String message) {
        super(file + ": " + (field == null ? "" : "field '" + field + "': ") + message);
        this.file = file;
        this.field = field;
    }

    public ModelPackageException(Path file, String field, String message, Throwable cause) {
        this(file, field, message);
        initCause(cause);
    }

    public Path file() {
        return file;
    }

    /** The model.json field at fault, or null when the problem is the file itself. */
    public String field() {
        return field;
    }
}
