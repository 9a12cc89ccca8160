package io.liverseg.imaging.dataset;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A CT with its ground-truth label volume on the same grid.
 *
 * @param name  stable case name (e.g. "liver_007"); the train/validation split hashes it
 * @param image the CT (NIfTI)
 * @param label the label volume (NIfTI)
 */
public record LabelledCase(String name, Path image, Path label) {
    public LabelledCase {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(label, "label");
    }
}
