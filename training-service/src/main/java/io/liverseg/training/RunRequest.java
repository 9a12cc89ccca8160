package io.liverseg.training;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The body of {@code POST /api/training/runs}: every field optional, each overriding the configured default
 * ({@code liverseg.training.defaults.*}) for this run. Names in snake_case or camelCase ({@code max_cases} or
 * {@code maxCases}); an unknown field is refused.
 *
 * @param task               "liver" (default) or "vessels"
 * @param epochs             most epochs
 * @param batchSize          slices per step
 * @param learningRate       Adam's initial learning rate
 * @param loss               DICE_CE, FOCAL or WEIGHTED_DICE
 * @param oversample         share of each batch from tumour slices
 * @param slicesPerEpoch     slices drawn per epoch (0 = all training slices)
 * @param baseFeatures       UNet base features
 * @param levels             UNet levels
 * @param targetSize         in-plane input size
 * @param channels           input channels (1 or 3)
 * @param jitter             intensity augmentation std
 * @param augment            share of slices given a random scale, rotation and shift (0 = off)
 * @param seed               seed
 * @param maxCases           use at most this many labelled cases, oldest first (0 = all)
 * @param maxValidationCases validate on at most this many validation cases (0 = all)
 * @param initFromChampion   start from the champion's weights (same architecture)
 * @param promotionMargin    margin over the champion's Dice needed for promotion
 * @param autoPromote        evaluate and decide at the end (false: the candidate stays "candidate")
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunRequest(
        String task,
        Integer epochs,
        @JsonAlias("batchSize") Integer batchSize,
        @JsonAlias("learningRate") Float learningRate,
        String loss,
        Double oversample,
        @JsonAlias("slicesPerEpoch") Integer slicesPerEpoch,
        @JsonAlias("baseFeatures") Integer baseFeatures,
        Integer levels,
        @JsonAlias("targetSize") Integer targetSize,
        Integer channels,
        Double jitter,
        Double augment,
        Long seed,
        @JsonAlias("maxCases") Integer maxCases,
        @JsonAlias("maxValidationCases") Integer maxValidationCases,
        @JsonAlias("initFromChampion") Boolean initFromChampion,
        @JsonAlias("promotionMargin") Double promotionMargin,
        @JsonAlias("autoPromote") Boolean autoPromote) {

    /** A request with no overrides for a task. */
    public static RunRequest forTask(String task) {
        return new RunRequest(task, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null);
    }

    /** The same overrides for another task. */
    public RunRequest withTask(String t) {
        return new RunRequest(t, epochs, batchSize, learningRate, loss, oversample, slicesPerEpoch, baseFeatures, levels,
                targetSize, channels, jitter, augment, seed, maxCases, maxValidationCases, initFromChampion, promotionMargin,
                autoPromote);
    }
}
