package io.liverseg.training;

import io.liverseg.imaging.preprocess.HuWindow;
import io.liverseg.imaging.preprocess.Normalization;
import io.liverseg.imaging.preprocess.PreprocessingSpec;
import io.liverseg.model.DeviceSetting;
import io.liverseg.model.net.AttentionType;
import io.liverseg.model.net.UNetConfig;
import io.liverseg.model.pkg.ModelManifest;
import io.liverseg.model.train.LossType;
import io.liverseg.model.train.TrainingConfig;
import io.liverseg.proto.SegmentationTasks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The effective settings of one run: the configured defaults with the request's overrides, checked.
 *
 * @param task               the task
 * @param training           the trainer's settings
 * @param architecture       the network
 * @param preprocessing      the input pipeline (becomes the package's preprocessing)
 * @param classNames         class names by label
 * @param maxCases           most cases (0 = all)
 * @param maxValidationCases most validation cases (0 = all)
 * @param initFromChampion   fine-tune the champion's weights
 * @param promotionMargin    margin the candidate must beat the champion by
 * @param autoPromote        evaluate and decide at the end of the run
 */
public record RunSettings(String task, TrainingConfig training, UNetConfig architecture, PreprocessingSpec preprocessing,
                          List<String> classNames, int maxCases, int maxValidationCases, boolean initFromChampion,
                          double promotionMargin, boolean autoPromote) {

    /** Class names of a task's labels. */
    public static List<String> classNames(String task) {
        return SegmentationTasks.VESSELS.equals(task) ? List.of("background", "vessel", "tumour") : List.of("background", "liver", "tumour");
    }

    /** The package name of a task's models (model.json {@code name}). */
    public static String modelName(String task) {
        return SegmentationTasks.VESSELS.equals(task) ? "vessel" : task;
    }

    /** The package's postprocessing for a task. */
    public static ModelManifest.Postprocessing postprocessing(String task) {
        return SegmentationTasks.LIVER.equals(task) ? ModelManifest.Postprocessing.liver(1, 2) : ModelManifest.Postprocessing.none();
    }

    /**
     * Resolves a request against the configuration.
     *
     * @throws IllegalArgumentException naming the field when a value is out of range (message starts with the field)
     */
    public static RunSettings resolve(RunRequest r, TrainingServiceConfig.Training config) {
        TrainingServiceConfig.Defaults d = config.defaults();
        String task = r.task() == null || r.task().isBlank() ? config.defaultTask() : r.task();
        if (!config.tasks().contains(task)) {
            throw new InvalidSetting("task", "'" + task + "' is not a task of this service " + config.tasks());
        }
        int epochs = atLeast("epochs", r.epochs() != null ? r.epochs() : d.epochs(), 1);
        int batch = atLeast("batch_size", r.batchSize() != null ? r.batchSize() : d.batchSize(), 1);
        float lr = r.learningRate() != null ? r.learningRate() : d.learningRate();
        if (!(lr > 0 && lr < 1)) {
            throw new InvalidSetting("learning_rate", "must be in (0, 1), got " + lr);
        }
        String lossName = r.loss() != null ? r.loss() : d.loss();
        LossType loss;
        try {
            loss = LossType.valueOf(lossName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidSetting("loss", "'" + lossName + "' is not one of " + List.of(LossType.values()));
        }
        double oversample = r.oversample() != null ? r.oversample() : d.oversample();
        if (!(oversample >= 0 && oversample <= 1)) {
            throw new InvalidSetting("oversample", "must be in [0, 1], got " + oversample);
        }
        int slicesPerEpoch = atLeast("slices_per_epoch", r.slicesPerEpoch() != null ? r.slicesPerEpoch() : d.slicesPerEpoch(), 0);
        int base = atLeast("base_features", r.baseFeatures() != null ? r.baseFeatures() : d.baseFeatures(), 2);
        if (base > 256) {
            throw new InvalidSetting("base_features", "must be at most 256, got " + base);
        }
        int levels = atLeast("levels", r.levels() != null ? r.levels() : d.levels(), 2);
        if (levels > 8) {
            throw new InvalidSetting("levels", "must be at most 8, got " + levels);
        }
        int size = atLeast("target_size", r.targetSize() != null ? r.targetSize() : d.targetSize(), 16);
        int divisor = 1 << (levels - 1);
        if (size % divisor != 0 || size > 1024) {
            throw new InvalidSetting("target_size", size + " is not a multiple of 2^(levels-1) = " + divisor
                    + " up to 1024");
        }
        int channels = r.channels() != null ? r.channels() : d.channels();
        if (channels != 1 && channels != 3) {
            throw new InvalidSetting("channels", "must be 1 or 3, got " + channels);
        }
        double jitter = r.jitter() != null ? r.jitter() : d.jitter();
        if (!(jitter >= 0 && jitter < 1)) {
            throw new InvalidSetting("jitter", "must be in [0, 1), got " + jitter);
        }
        double augment = r.augment() != null ? r.augment() : d.augment();
        if (!(augment >= 0 && augment <= 1)) {
            throw new InvalidSetting("augment", "must be in [0, 1], got " + augment);
        }
        long seed = r.seed() != null ? r.seed() : d.seed();
        int maxCases = atLeast("max_cases", r.maxCases() != null ? r.maxCases() : d.maxCases(), 0);
        int maxValidation = atLeast("max_validation_cases",
                r.maxValidationCases() != null ? r.maxValidationCases() : d.maxValidationCases(), 0);
        double margin = r.promotionMargin() != null ? r.promotionMargin() : config.promotionMargin();
        if (!Double.isFinite(margin)) {
            throw new InvalidSetting("promotion_margin", "must be a number, got " + margin);
        }
        List<Double> window = d.windowHu();
        if (window.size() != 2 || !(window.get(0) < window.get(1))) {
            throw new InvalidSetting("window_hu", "needs LOW,HIGH with LOW < HIGH, got " + window);
        }
        List<String> names = classNames(task);
        TrainingConfig tc = new TrainingConfig(epochs, batch, lr, 0.5f, 3, 5, loss, oversample, slicesPerEpoch, seed,
                jitter, augment, DeviceSetting.parse(config.device()));
        UNetConfig arch = new UNetConfig(channels, names.size(), base, levels, AttentionType.DOT_PRODUCT);
        PreprocessingSpec pre = new PreprocessingSpec(new HuWindow(window.get(0), window.get(1)), Normalization.UNIT, size,
                channels);
        return new RunSettings(task, tc, arch, pre, names, maxCases, maxValidation,
                r.initFromChampion() != null ? r.initFromChampion() : d.initFromChampion(), margin,
                r.autoPromote() != null ? r.autoPromote() : config.autoPromote());
    }

    /** The settings as stored in the run record (snake_case). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task);
        m.putAll(training.toMap());
        m.put("device", training.device().name().toLowerCase(Locale.ROOT));
        m.put("base_features", architecture.baseFeatures());
        m.put("levels", architecture.levels());
        m.put("attention", architecture.attention().name());
        m.put("target_size", preprocessing.targetSize());
        m.put("channels", preprocessing.channels());
        m.put("window_hu", List.of(preprocessing.window().lower(), preprocessing.window().upper()));
        m.put("max_cases", maxCases);
        m.put("max_validation_cases", maxValidationCases);
        m.put("init_from_champion", initFromChampion);
        m.put("promotion_margin", promotionMargin);
        m.put("auto_promote", autoPromote);
        return m;
    }

    private static int atLeast(String field, int value, int min) {
        if (value < min) {
            throw new InvalidSetting(field, "must be at least " + min + ", got " + value);
        }
        return value;
    }

    /** A setting out of range; names the field. */
    public static final class InvalidSetting extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String field;

        InvalidSetting(String field, String message) {
            super(field + ": " + message);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }
}
