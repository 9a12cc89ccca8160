package io.liverseg.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liverseg.model.train.LossType;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RunSettingsTest {

    /** The configuration with its documented defaults. */
    static TrainingServiceConfig.Training config(double margin) {
        TrainingServiceConfig.Defaults d = new TrainingServiceConfig.Defaults() {
            public int epochs() { return 30; }
            public int batchSize() { return 32; }
            public float learningRate() { return 1e-4f; }
            public String loss() { return "DICE_CE"; }
            public double oversample() { return 0.5; }
            public int slicesPerEpoch() { return 0; }
            public int baseFeatures() { return 8; }
            public int levels() { return 5; }
            public int targetSize() { return 256; }
            public int channels() { return 1; }
            public List<Double> windowHu() { return List.of(-100.0, 200.0); }
            public double jitter() { return 0.05; }
            public double augment() { return 0; }
            public long seed() { return 42; }
            public int maxCases() { return 0; }
            public int maxValidationCases() { return 0; }
            public boolean initFromChampion() { return false; }
        };
        return new TrainingServiceConfig.Training() {
            public String defaultTask() { return "liver"; }
            public List<String> tasks() { return List.of("liver", "vessels"); }
            public int triggerNewCases() { return 10; }
            public double promotionMargin() { return margin; }
            public boolean autoPromote() { return true; }
            public Optional<Duration> scheduleEvery() { return Optional.empty(); }
            public java.nio.file.Path workDir() { return java.nio.file.Path.of("/tmp"); }
            public int minCases() { return 2; }
            public Duration progressInterval() { return Duration.ofSeconds(5); }
            public int evaluationBatchSize() { return 8; }
            public String device() { return "cpu"; }
            public TrainingServiceConfig.Defaults defaults() { return d; }
        };
    }

    @Test
    void withoutOverridesTheRunUsesTheDesignDefaults() {
        RunSettings s = RunSettings.resolve(RunRequest.forTask(null), config(0.005));
        assertThat(s.task()).isEqualTo("liver");
        assertThat(s.training().epochs()).isEqualTo(30);
        assertThat(s.training().batchSize()).isEqualTo(32);
        assertThat(s.training().loss()).isEqualTo(LossType.DICE_CE);
        assertThat(s.architecture()).isEqualTo(io.liverseg.model.net.UNetConfig.liver());
        assertThat(s.preprocessing()).isEqualTo(io.liverseg.imaging.preprocess.PreprocessingSpec.defaults());
        assertThat(s.classNames()).containsExactly("background", "liver", "tumour");
        assertThat(s.promotionMargin()).isEqualTo(0.005);
        assertThat(s.toMap()).containsEntry("base_features", 8).containsEntry("target_size", 256)
                .containsEntry("epochs", 30).containsEntry("promotion_margin", 0.005);
    }

    @Test
    void aRequestInCamelOrSnakeCaseOverridesDefaults() {
        RunRequest camel = TrainingResource.parse("{\"epochs\":2,\"maxCases\":5,\"baseFeatures\":4,\"loss\":\"FOCAL\","
                + "\"oversample\":0.2,\"batchSize\":4,\"slicesPerEpoch\":16,\"targetSize\":64,\"levels\":3,"
                + "\"promotionMargin\":-1,\"task\":\"vessels\"}");
        RunRequest snake = TrainingResource.parse("{\"epochs\":2,\"max_cases\":5,\"base_features\":4,\"loss\":\"FOCAL\","
                + "\"oversample\":0.2,\"batch_size\":4,\"slices_per_epoch\":16,\"target_size\":64,\"levels\":3,"
                + "\"promotion_margin\":-1,\"task\":\"vessels\"}");
        assertThat(camel).isEqualTo(snake);
        RunSettings s = RunSettings.resolve(camel, config(0.005));
        assertThat(s.task()).isEqualTo("vessels");
        assertThat(s.classNames()).containsExactly("background", "vessel", "tumour");
        assertThat(s.training().epochs()).isEqualTo(2);
        assertThat(s.training().batchSize()).isEqualTo(4);
        assertThat(s.training().slicesPerEpoch()).isEqualTo(16);
        assertThat(s.training().loss()).isEqualTo(LossType.FOCAL);
        assertThat(s.training().oversampleFraction()).isEqualTo(0.2);
        assertThat(s.architecture().baseFeatures()).isEqualTo(4);
        assertThat(s.architecture().levels()).isEqualTo(3);
        assertThat(s.preprocessing().targetSize()).isEqualTo(64);
        assertThat(s.maxCases()).isEqualTo(5);
        assertThat(s.promotionMargin()).isEqualTo(-1.0);
        assertThat(RunSettings.resolve(TrainingResource.parse("{\"loss\":\"focal\"}"), config(0)).training().loss())
                .isEqualTo(LossType.FOCAL);
        assertThat(TrainingResource.parse("")).isEqualTo(RunRequest.forTask(null));
        assertThat(RunSettings.resolve(RunRequest.forTask(null), config(0)).training().spatialAugmentation()).isZero();
        assertThat(RunSettings.resolve(TrainingResource.parse("{\"augment\":0.5}"), config(0)).training()
                .spatialAugmentation()).isEqualTo(0.5);
    }

    @Test
    void outOfRangeSettingsNameTheirField() {
        assertThatThrownBy(() -> RunSettings.resolve(TrainingResource.parse("{\"epochs\":0}"), config(0)))
                .isInstanceOf(RunSettings.InvalidSetting.class).hasMessageStartingWith("epochs:")
                .satisfies(e -> assertThat(((RunSettings.InvalidSetting) e).field()).isEqualTo("epochs"));
        assertThatThrownBy(() -> RunSettings.resolve(TrainingResource.parse("{\"loss\":\"l2\"}"), config(0)))
                .hasMessageStartingWith("loss:").hasMessageContaining("DICE_CE");
        assertThatThrownBy(() -> RunSettings.resolve(TrainingResource.parse("{\"targetSize\":100}"), config(0)))
                .hasMessageStartingWith("target_size:").hasMessageContaining("16");
        assertThatThrownBy(() -> RunSettings.resolve(TrainingResource.parse("{\"task\":\"kidney\"}"), config(0)))
                .hasMessageStartingWith("task:");
        assertThatThrownBy(() -> RunSettings.resolve(TrainingResource.parse("{\"oversample\":1.5}"), config(0)))
                .hasMessageStartingWith("oversample:");
        assertThatThrownBy(() -> RunSettings.resolve(TrainingResource.parse("{\"augment\":1.5}"), config(0)))
                .hasMessageStartingWith("augment:");
    }

    @Test
    void unknownOrMistypedFieldsAreRefusedNotIgnored() {
        assertThatThrownBy(() -> TrainingResource.parse("{\"epoch\":3}"))
                .isInstanceOf(ApiProblem.ApiException.class).hasMessageContaining("unknown field 'epoch'")
                .satisfies(e -> assertThat(((ApiProblem.ApiException) e).problem().status()).isEqualTo(400));
        assertThatThrownBy(() -> TrainingResource.parse("{\"epochs\":\"many\"}"))
                .isInstanceOf(ApiProblem.ApiException.class)
                .satisfies(e -> assertThat(((ApiProblem.ApiException) e).problem().field()).isEqualTo("epochs"));
        assertThatThrownBy(() -> TrainingResource.parse("not json")).isInstanceOf(ApiProblem.ApiException.class);
    }
}
