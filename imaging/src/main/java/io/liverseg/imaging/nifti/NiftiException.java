package io.liverseg.imaging.nifti;

import io.liverseg.imaging.BadInputException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The one error a NIfTI read reports for bad input: the file and the header field at fault are both in
 * the message and available as {@link #file()} and {@link #field()}. Field names are those of
 * {@code nifti1.h} / {@code nifti2.h} ({@code sizeof_hdr}, {@code magic}, {@code dim}, {@code datatype},
 * {@code bitpix}, {@code vox_offset}, {@code esize}, {@code srow_x}, ...), plus {@code gzip} for a
 * corrupt compressed stream and {@code data} for voxel values that cannot be what they should (an image that is
 * not CT in Hounsfield units: {@link io.liverseg.imaging.preprocess.CtIntensityCheck}).
 */
public class NiftiException extends BadInputException {
    private static final long serialVersionUID = 1L;

    public NiftiException(Path file, String field, String message) {
        super(file, field, Objects.requireNonNull(file, "file") + ": NIfTI field '" + Objects.requireNonNull(field, "field")
                + "': " + message);
    }
}
