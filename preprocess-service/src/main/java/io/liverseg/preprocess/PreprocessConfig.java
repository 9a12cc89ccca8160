package io.liverseg.preprocess;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Configuration of preprocess-service ({@code liverseg.*}). */
@ConfigMapping(prefix = "liverseg")
public interface PreprocessConfig {

    /** The one bucket of the mesh (scans, work, masks, models). */
    @WithDefault("liverseg")
    String bucket();

    /**
     * Segmentation tasks to preprocess every scan for. A task without a champion model in the registry is
     * skipped with a WARN (e.g. no vessel model yet).
     */
    @WithDefault("liver,vessels")
    List<String> tasks();

    /** Slicing settings. */
    Preprocess preprocess();

    /** Model registry settings. */
    Registry registry();

    /** Slicing settings. */
    interface Preprocess {
        /** Canonical slices per batch (the last batch of a scan may be smaller). */
        @WithDefault("32")
        int batchSize();
    }

    /** Model registry settings. */
    interface Registry {
        /**
         * A directory with one model package per sub-folder ({@code liver/}, {@code vessel/} → tasks liver and
         * vessels) published to the registry on start when the task has no champion yet. Unset: no seeding.
         */
        Optional<Path> seedDir();

        /** Where packages fetched from the registry are kept on local disk. */
        @WithDefault("${java.io.tmpdir}/liverseg-models")
        Path cacheDir();
    }
}
