package io.liverseg.inference;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

/** Configuration of inference-service ({@code liverseg.*}). */
@ConfigMapping(prefix = "liverseg")
public interface InferenceConfig {

    /** The one bucket of the mesh (scans, work, masks, models). */
    @WithDefault("liverseg")
    String bucket();

    /** Prediction settings. */
    Inference inference();

    /** Model registry settings. */
    Registry registry();

    /** Prediction settings. */
    interface Inference {
        /** Where the network runs: {@code cpu}, {@code gpu} (fails without one) or {@code auto}. */
        @WithDefault("cpu")
        String device();

        /** Left–right flip test-time augmentation (only for models trained with mirroring). */
        @WithDefault("false")
        boolean tta();

        /** Model versions of one task kept loaded; the least recently used one beyond this is closed. */
        @WithDefault("2")
        int modelsPerTask();
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
