package io.liverseg.imaging;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Input that liverseg refuses — a file that is not what it should be — naming the file and the field at
 * fault, so a command can print one clear line and a service can answer with a problem body, whatever kind
 * of file it was (NIfTI, dataset.json, model.json, ...).
 */
public abstract class BadInputException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String field;

    /**
     * @param file    the file (or stream name) at fault
     * @param field   the field at fault, or null when the whole file is
     * @param message the complete message, already naming file and field
     */
    protected BadInputException(Path file, String field, String message) {
        super(message);
        this.file = file;
        this.field = field;
    }

    /** The file (or stream name) that was being read. */
    public Path file() {
        return file;
    }

    /** The field that made the input invalid, or null when the whole file is at fault. */
    public String field() {
        return field;
    }
}
