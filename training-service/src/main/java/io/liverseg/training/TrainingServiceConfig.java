package io.liverseg.training;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Configuration of training-service ({@code liverseg.*}). */
@ConfigMapping(prefix = "liverseg")
public interface TrainingServiceConfig {

    /** The one bucket of the mesh (scans, datasets, models, training runs). */
    @WithDefault("liverseg")
    String bucket();

    /** Model registry settings. */
    Registry registry();

    /** Datasets, runs, evaluation and promotion. */
    Training training();

    /** Model registry settings (as preprocess-service and inference-service). */
    interface Registry {
        /**
         * A directory with one model package per sub-folder ({@code liver/}, {@code vessel/} → tasks liver and
         * vessels) published to the registry on start when the task has no champion yet. Unset: no seeding.
         */
        Optional<Path> seedDir();

        /** Where packages fetched from the registry (champions to evaluate) are kept on local disk. */
        @WithDefault("${java.io.tmpdir}/liverseg-models")
        Path cacheDir();
    }

    /** Datasets, runs, evaluation and promotion. */
    interface Training {
        /** Task of a LabeledScan that names none, of a run request without {@code task}, and of /api/models. */
        @WithDefault("liver")
        String defaultTask();

        /** Tasks that have a dataset and can be trained. */
        @WithDefault("liver,vessels")
        List<String> tasks();

        /**
         * A run is queued automatically once this many labelled cases were added or corrected since the last
         * run of the task (0 = never; runs then start only through the API or the schedule).
         */
        @WithDefault("10")
        int triggerNewCases();

        /**
         * A candidate is promoted only if its mean foreground Dice on the validation cases exceeds the
         * champion's (same cases) by more than this. Negative values let a slightly worse candidate through
         * (tests); a run request may override it.
         */
        @WithDefault("0.005")
        double promotionMargin();

        /** Evaluate and decide (promote or reject) automatically at the end of a run. */
        @WithDefault("true")
        boolean autoPromote();

        /**
         * Optional schedule: every this long (e.g. {@code 24h}), queue a run for each task that has new labelled
         * cases since its last run. Unset (default) = no schedule.
         */
        Optional<Duration> scheduleEvery();

        /** Local folder for a run's downloaded cases and checkpoints (deleted after the run). */
        @WithDefault("${java.io.tmpdir}/liverseg-training")
        Path workDir();

        /** Least labelled cases a run needs (at least one for training and one for validation). */
        @WithDefault("2")
        int minCases();

        /** How often a running run's record in S3 and a progress event are refreshed during an epoch. */
        @WithDefault("5s")
        Duration progressInterval();

        /** Slices per batch when the candidate and the champion segment the validation scans. */
        @WithDefault("8")
        int evaluationBatchSize();

        /** Where training and evaluation run: {@code cpu}, {@code gpu} or {@code auto}. */
        @WithDefault("cpu")
        String device();

        /** Defaults of every run (the design's); a run request overrides any of them. */
        Defaults defaults();
    }

    /** The design's training settings; each is a run request's default. */
    interface Defaults {
        /** Most epochs (early stop may end sooner). */
        @WithDefault("30")
        int epochs();

        /** Slices per step. */
        @WithDefault("32")
        int batchSize();

        /** Adam's initial learning rate. */
        @WithDefault("1e-4")
        float learningRate();

        /** Loss: DICE_CE, FOCAL or WEIGHTED_DICE. */
        @WithDefault("DICE_CE")
        String loss();

        /** Share of each batch drawn from slices with tumour (0 = uniform). */
        @WithDefault("0.5")
        double oversample();

        /** Slices drawn per epoch (0 = the training set's slice count). */
        @WithDefault("0")
        int slicesPerEpoch();

        /** Base feature channels of the UNet (8 = the liver design). */
        @WithDefault("8")
        int baseFeatures();

        /** Resolution levels of the UNet. */
        @WithDefault("5")
        int levels();

        /** In-plane input size of the network (a multiple of 2^(levels-1)). */
        @WithDefault("256")
        int targetSize();

        /**
         * Input channels: 1, or 3 adjacent slices (the default: the bootstrap liver champion's input, so a run
         * with {@code init-from-champion} fine-tunes it without further settings).
         */
        @WithDefault("3")
        int channels();

        /** HU window, lower and upper bound. */
        @WithDefault("-100,200")
        List<Double> windowHu();

        /** Std of the intensity augmentation (0 = off). */
        @WithDefault("0.05")
        double jitter();

        /** Share of training slices given a random scale, rotation and shift (0 = off). */
        @WithDefault("0")
        double augment();

        /** Seed of initialisation and sampling. */
        @WithDefault("42")
        long seed();

        /** Use at most this many labelled cases, the oldest first (0 = all). */
        @WithDefault("0")
        int maxCases();

        /** Validate on at most this many of the validation cases (0 = all). */
        @WithDefault("0")
        int maxValidationCases();

        /** Start from the champion's weights when its architecture matches (fine-tuning) instead of random ones. */
        @WithDefault("false")
        boolean initFromChampion();
    }
}
