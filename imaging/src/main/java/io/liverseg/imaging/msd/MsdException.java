package io.liverseg.imaging.msd;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A Medical Segmentation Decathlon folder that cannot be used: a missing or invalid {@code dataset.json}, or a
 * file it names that is not there. The file and the dataset.json field at fault are in the message and
 * available as {@link #file()} and {@link #field()}.
 */
public class MsdException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String field;

    /**
     * @param file    the file at fault (dataset.json, or a file it references)
     * @param field   the dataset.json field, e.g. {@code "training[3].label"}, or null when the whole file is
     *                at fault (missing, not JSON)
     * @param message what is wrong
     */
    public MsdException(Path file, String field, String message) {
        super(Objects.requireNonNull(file, "file") + (field == null ? "" : ": field '" + field + "'") + ": "
                + message);
        this.file = file;
        this.field = field;
    }

    public MsdException(Path file, String field, String message, Throwable cause) {
        this(file, field, message);
        initCause(cause);
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }

    /** The dataset.json field at fault, or null when the whole file is. */
    public String field() {
        return field;
    }
}
