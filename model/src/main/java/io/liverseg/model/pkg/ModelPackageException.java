package io.liverseg.model.pkg;

import io.liverseg.imaging.BadInputException;
import java.nio.file.Path;

/** A model package that cannot be used: a file missing, unreadable or not matching model.json. */
public class ModelPackageException extends BadInputException {
    private static final long serialVersionUID = 1L;

    public ModelPackageException(Path file, String field, String message) {
        super(file, field, file + ": " + (field == null ? "" : "field '" + field + "': ") + message);
    }

    public ModelPackageException(Path file, String field, String message, Throwable cause) {
        this(file, field, message);
        initCause(cause);
    }
}
