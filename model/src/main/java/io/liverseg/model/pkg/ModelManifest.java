package io.liverseg.model.pkg;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.liverseg.imaging.preprocess.HuWindow;
import io.liverseg.imaging.preprocess.Normalization;
import io.liverseg.imaging.preprocess.PreprocessingSpec;
import io.liverseg.model.net.AttentionType;
import io.liverseg.model.net.UNetConfig;
import java.util.List;
import java.util.Map;

/**
 * The {@code model.json} of a model package: everything needed to rebuild the network, reproduce the
 * training preprocessing exactly, name the classes, and trace where the weights came from (as nnU-Net's
 * plans.json travels with its models). Field names are public API.
 *
 * @param format        always {@link #FORMAT}
 * @param name          the model's task name, e.g. "liver" or "vessel"
 * @param version       this version, e.g. "1"
 * @param parentVersion the version it was trained from or replaces, or null
 * @param createdAt     ISO-8601 instant
 * @param architecture  the network
 * @param classNames    class names by label value, background first
 * @param preprocessing the input pipeline
 * @param postprocessing what is done to the argmax mask
 * @param training      data and settings of the run that produced the weights
 * @param metrics       validation metrics of these weights, per class name
 * @param parameters    the weight file and its SHA-256
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelManifest(
        String format,
        String name,
        String version,
        @JsonProperty("parent_version") String parentVersion,
        @JsonProperty("created_at") String createdAt,
        Architecture architecture,
        @JsonProperty("class_names") List<String> classNames,
        Preprocessing preprocessing,
        Postprocessing postprocessing,
        Training training,
        Metrics metrics,
        Parameters parameters) {

    /** The format tag this code reads and writes. */
    public static final String FORMAT = "liverseg-model/1";

    /** Network settings ({@link UNetConfig}). */
    public record Architecture(
            String type,
            @JsonProperty("input_channels") int inputChannels,
            int classes,
            @JsonProperty("base_features") int baseFeatures,
            int levels,
            String attention) {
        public static final String TYPE = "attention-residual-unet";

        public static Architecture of(UNetConfig c) {
            return new Architecture(TYPE, c.inputChannels(), c.classes(), c.baseFeatures(), c.levels(), c.attention().name());
        }

        public UNetConfig toConfig() {
            return new UNetConfig(inputChannels, classes, baseFeatures, levels, AttentionType.valueOf(attention));
        }
    }

    /** The preprocessing ({@link PreprocessingSpec}); orientation is always RAS. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Preprocessing(
            String orientation,
            @JsonProperty("window_hu") double[] windowHu,
            String normalization,
            @JsonProperty("normalization_mean") Double normalizationMean,
            @JsonProperty("normalization_std") Double normalizationStd,
            @JsonProperty("target_size") int targetSize,
            int channels) {

        public static Preprocessing of(PreprocessingSpec s) {
            boolean z = s.normalization().mode() == Normalization.Mode.Z_SCORE;
            return new Preprocessing(PreprocessingSpec.ORIENTATION, new double[] {s.window().lower(), s.window().upper()},
                    s.normalization().mode().name(), z ? s.normalization().mean() : null,
                    z ? s.normalization().std() : null, s.targetSize(), s.channels());
        }

        public PreprocessingSpec toSpec() {
            Normalization.Mode mode = Normalization.Mode.valueOf(normalization);
            Normalization n = mode == Normalization.Mode.Z_SCORE
                    ? Normalization.zScore(normalizationMean, normalizationStd) : Normalization.UNIT;
            return new PreprocessingSpec(new HuWindow(windowHu[0], windowHu[1]), n, targetSize, channels);
        }
    }

    /**
     * Mask clean-up: {@code "liver"} keeps the largest connected liver+tumour organ (tumour only inside the
     * liver) using the two labels; {@code "none"} leaves the argmax as is.
     */
    public record Postprocessing(String type, @JsonProperty("organ_label") Integer organLabel,
                                 @JsonProperty("lesion_label") Integer lesionLabel) {
        public static Postprocessing none() {
            return new Postprocessing("none", null, null);
        }

        public static Postprocessing liver(int liverLabel, int tumourLabel) {
            return new Postprocessing("liver", liverLabel, tumourLabel);
        }
    }

    /** Where the weights came from. */
    public record Training(
            @JsonProperty("dataset_fingerprint") String datasetFingerprint,
            @JsonProperty("training_cases") List<String> trainingCases,
            @JsonProperty("validation_cases") List<String> validationCases,
            Map<String, Object> config,
            @JsonProperty("epochs_run") int epochsRun,
            @JsonProperty("best_epoch") int bestEpoch) {
    }

    /** Validation Dice (global over the validation slices) per class name, and their foreground mean. */
    public record Metrics(
            @JsonProperty("validation_dice") Map<String, Double> validationDice,
            @JsonProperty("mean_foreground_dice") double meanForegroundDice,
            @JsonProperty("held_out") Map<String, Object> heldOut) {
    }

    /** The DJL parameter file of the package and its SHA-256. */
    public record Parameters(String file, String sha256) {
    }
}
