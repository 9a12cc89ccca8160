package io.liverseg.ingest;

import io.liverseg.imaging.nifti.NiftiWriter;
import io.liverseg.imaging.phantom.PhantomCase;
import io.liverseg.imaging.phantom.PhantomGenerator;
import io.liverseg.imaging.phantom.PhantomOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small phantom CT files (image and label) for the tests. */
final class Phantoms {
    private Phantoms() {
    }

    /** Image and label of a small phantom, written as {@code dir/<name>.nii[.gz]} and {@code dir/<name>-label...}. */
    record Files2(Path image, Path label) {
        byte[] imageBytes() {
            return read(image);
        }

        byte[] labelBytes() {
            return read(label);
        }
    }

    static Files2 write(Path dir, long seed, int size, int slices, boolean gzip) {
        PhantomCase c = new PhantomGenerator(PhantomOptions.defaults()
                .withSize(size)
                .withSlices(slices, slices)
                .withSeed(seed)).generate(0);
        String ext = gzip ? ".nii.gz" : ".nii";
        Path image = dir.resolve("phantom-" + seed + "-" + size + ext);
        Path label = dir.resolve("phantom-" + seed + "-" + size + "-label" + ext);
        try {
            Files.createDirectories(dir);
            NiftiWriter.write(c.image(), image);
            NiftiWriter.write(c.label(), label);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Files2(image, label);
    }

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
