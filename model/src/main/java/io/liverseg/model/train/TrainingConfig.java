package io.liverseg.model.train;

import io.liverseg.model.DeviceSetting;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Settings of one training run; {@link #defaults()} are the design's: Adam with learning rate 1e-4, batch
 * 32, learning rate ×0.5 after 3 epochs without validation improvement, early stop after 5.
 *
 * @param epochs             most epochs
 * @param batchSize          slices per step
 * @param learningRate       Adam's initial learning rate
 * @param lrFactor           factor applied to the learning rate on a plateau
 * @param lrPatience         epochs without improvement before the learning rate drops
 * @param earlyStopPatience  epochs without improvement before training stops
 * @param loss               the loss
 * @param oversampleFraction share of each batch drawn from slices containing the last class (tumour);
 *                           0 = uniform sampling over all slices
 * @param slicesPerEpoch     slices drawn per epoch (0 = as many as the training set has)
 * @param seed               seed of weight initialisation and sampling (runs on CPU are repeatable)
 * @param intensityJitter    std of a random per-slice contrast/brightness change of the normalised input
 *                           (augmentation for scanner variation; 0 = off)
 * @param spatialAugmentation share of drawn slices given a random scale, rotation and shift
 *                           ({@link SpatialAugmentation}; 0 = off)
 * @param device             where to train
 */
public record TrainingConfig(int epochs, int batchSize, float learningRate, float lrFactor, int lrPatience,
                             int earlyStopPatience, LossType loss, double oversampleFraction, int slicesPerEpoch,
                             long seed, double intensityJitter, double spatialAugmentation, DeviceSetting device) {

    public TrainingConfig {
        if (epochs < 1 || batchSize < 1 || !(learningRate > 0) || !(lrFactor > 0 && lrFactor <= 1)
                || lrPatience < 1 || earlyStopPatience < 1 || loss == null || device == null
                || !(oversampleFraction >= 0 && oversampleFraction <= 1) || slicesPerEpoch < 0
                || !(intensityJitter >= 0) || !(spatialAugmentation >= 0 && spatialAugmentation <= 1)) {
            throw new IllegalArgumentException("invalid training config: " + this.toString());
        }
    }

    /** The design's settings, 30 epochs at most, 50 % tumour-slice oversampling, seed 42, on the best device. */
    public static TrainingConfig defaults() {
        return new TrainingConfig(30, 32, 1e-4f, 0.5f, 3, 5, LossType.DICE_CE, 0.5, 0, 42L, 0.05, 0.0, DeviceSetting.AUTO);
    }

    public TrainingConfig withEpochs(int v) {
        return new TrainingConfig(v, batchSize, learningRate, lrFactor, lrPatience, earlyStopPatience, loss,
                oversampleFraction, slicesPerEpoch, seed, intensityJitter, spatialAugmentation, device);
    }

    public TrainingConfig withBatchSize(int v) {
        return new TrainingConfig(epochs, v, learningRate, lrFactor, lrPatience, earlyStopPatience, loss,
                oversampleFraction, slicesPerEpoch, seed, intensityJitter, spatialAugmentation, device);
    }

    public TrainingConfig withLearningRate(float v) {
        return new TrainingConfig(epochs, batchSize, v, lrFactor, lrPatience, earlyStopPatience, loss,
                oversampleFraction, slicesPerEpoch, seed, intensityJitter, spatialAugmentation, device);
    }

    public TrainingConfig withSlicesPerEpoch(int v) {
        return new TrainingConfig(epochs, batchSize, learningRate, lrFactor, lrPatience, earlyStopPatience, loss,
                oversampleFraction, v, seed, intensityJitter, spatialAugmentation, device);
    }

    public TrainingConfig withSeed(long v) {
        return new TrainingConfig(epochs, batchSize, learningRate, lrFactor, lrPatience, earlyStopPatience, loss,
                oversampleFraction, slicesPerEpoch, v, intensityJitter, spatialAugmentation, device);
    }

    public TrainingConfig withSpatialAugmentation(double v) {
        return new TrainingConfig(epochs, batchSize, learningRate, lrFactor, lrPatience, earlyStopPatience, loss,
                oversampleFraction, slicesPerEpoch, seed, intensityJitter, v, device);
    }

    public TrainingConfig withDevice(DeviceSetting v) {
        return new TrainingConfig(epochs, batchSize, learningRate, lrFactor, lrPatience, earlyStopPatience, loss,
                oversampleFraction, slicesPerEpoch, seed, intensityJitter, spatialAugmentation, v);
    }

    /** The settings as a map, for model.json. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochs", epochs);
        m.put("batch_size", batchSize);
        m.put("optimizer", "adam");
        m.put("learning_rate", learningRate);
        m.put("lr_factor", lrFactor);
        m.put("lr_patience", lrPatience);
        m.put("early_stop_patience", earlyStopPatience);
        m.put("loss", loss.name());
        m.put("oversample_fraction", oversampleFraction);
        m.put("slices_per_epoch", slicesPerEpoch);
        m.put("seed", seed);
        m.put("intensity_jitter", intensityJitter);
        m.put("spatial_augmentation", spatialAugmentation);
        return m;
    }
}
