package io.liverseg.model.train;

import java.util.Map;

/** What a running training reports: every step, and after each epoch's validation. */
public interface TrainingProgress {
    /**
     * @param epoch        1-based epoch
     * @param step         1-based step within the epoch
     * @param steps        steps in the epoch
     * @param loss         this step's loss
     * @param slicesPerSec training throughput so far in this epoch
     * @param etaSeconds   estimated seconds left for the whole run (at most {@code epochs} epochs)
     */
    void step(int epoch, int step, int steps, float loss, double slicesPerSec, double etaSeconds);

    /** After validation of an epoch. */
    void epoch(EpochReport report);

    /** One epoch's summary. */
    record EpochReport(int epoch, int epochs, double meanLoss, Map<String, Double> validationDice,
                       double meanForegroundDice, float learningRate, boolean improved, double seconds) {
    }

    /** Reports nothing. */
    TrainingProgress NONE = new TrainingProgress() {
        @Override
        public void step(int epoch, int step, int steps, float loss, double slicesPerSec, double etaSeconds) {
        }

        @Override
        public void epoch(EpochReport report) {
        }
    };
}
