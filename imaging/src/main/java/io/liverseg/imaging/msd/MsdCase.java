package io.liverseg.imaging.msd;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.nifti.NiftiReader;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One training case of a Decathlon dataset: image and label paths, resolved and checked to exist.
 *
 * @param id    the file name without its NIfTI extension, e.g. "liver_0"
 * @param image the CT image
 * @param label the label map
 */
public record MsdCase(String id, Path image, Path label) {

    /** Reads the image with the default NIfTI limits. */
    public Volume readImage() throws IOException {
        return NiftiReader.defaults().readVolume(image);
    }

    /** Reads the label map with the default NIfTI limits. */
    public Volume readLabel() throws IOException {
        return NiftiReader.defaults().readVolume(label);
    }
}
