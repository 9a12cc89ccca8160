package io.liverseg.imaging.nifti;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The one error a NIfTI read reports for bad input: the file and the header field at fault are both in
 * the message and available as {@link #file()} and {@link #field()}. Field names are those of
 * {@code nifti1.h} / {@code nifti2.h} ({@code sizeof_hdr}, {@code magic}, {@code dim}, {@code datatype},
 * {@code bitpix}, {@code vox_offset}, {@code esize}, {@code srow_x}, ...), plus {@code gzip} for a
 * corrupt compressed stream.
 */
public class NiftiException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String field;

    public NiftiException(Path file, String field, String message) {
        super(Objects.requireNonNull(file, "file") + ": NIfTI field '" + Objects.requireNonNull(field, "field")
                + "': " + message);
        this.file = file;
        this.field = field;
    }

    /** The file (or stream name) that was being read. */
    public Path file() {
        return file;
    }

    /** The header field that made the input invalid, e.g. {@code "dim"}. */
    public String field() {
        return field;
    }
}
