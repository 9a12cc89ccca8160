package io.liverseg.imaging.msd;

import io.liverseg.imaging.BadInputException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A Medical Segmentation Decathlon folder that cannot be used: a missing or invalid {@code dataset.json}, or a
 * file it names that is not there. The file and the dataset.json field at fault are in the message and
 * available as {@link #file()} and {@link #field()}.
 */
public class MsdException extends BadInputException {
    private static final long serialVersionUID = 1L;

    /**
     * @param file    the file at fault (dataset.json, or a file it references)
     * @param field   the dataset.json field, e.g. {@code "training[3].label"}, or null when the whole file is
     *                at fault (missing, not JSON)
     * @param message what is wrong
     */
    public MsdException(Path file, String field, String message) {
        super(file, field, Objects.requireNonNull(file, "file") + (field == null ? "" : ": field '" + field + "'") + ": "
                + message);
    }

    public MsdException(Path file, String field, String message, Throwable cause) {
        this(file, field, message);
        initCause(cause);
    }
}
