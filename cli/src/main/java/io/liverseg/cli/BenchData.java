package io.liverseg.cli;

import io.liverseg.imaging.nifti.NiftiWriter;
import io.liverseg.imaging.phantom.PhantomCase;
import io.liverseg.imaging.phantom.PhantomGenerator;
import io.liverseg.imaging.phantom.PhantomOptions;
import io.liverseg.imaging.phantom.StorageType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Benchmark inputs made on demand, so a benchmark needs no data download. */
final class BenchData {
    private static final long DEFAULT_SEED = 7;

    private BenchData() {
    }

    /**
     * A size × size × slices int16 phantom CT stored LPS (as most CT is), written as .nii.gz under
     * {@code work} (a temp folder when null); reused when already there.
     */
    static Path phantomCt(Path work, int size, int slices) throws IOException {
        return phantomCt(work, size, slices, DEFAULT_SEED);
    }

    /** As {@link #phantomCt(Path, int, int)} from another generator seed: the same size, other bytes. */
    static Path phantomCt(Path work, int size, int slices, long seed) throws IOException {
        Path dir = work != null ? Files.createDirectories(work) : Files.createTempDirectory("liverseg-bench");
        Path file = dir.resolve("bench-ct-" + size + "x" + size + "x" + slices
                + (seed == DEFAULT_SEED ? "" : "-seed" + seed) + ".nii.gz");
        if (!Files.exists(file)) {
            PhantomOptions options = PhantomOptions.defaults()
                    .withSize(size)
                    .withSeed(seed)
                    .withSlices(slices, slices)
                    .withOrientations("LPS")
                    .withStorageTypes(StorageType.INT16);
            PhantomCase c = new PhantomGenerator(options).generate(0);
            NiftiWriter.write(c.image(), file);
        }
        return file;
    }
}
