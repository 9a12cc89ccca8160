package io.liverseg.model.train;

import ai.djl.training.tracker.Tracker;

/**
 * A learning rate that the trainer lowers on a validation plateau (DJL has no reduce-on-plateau tracker):
 * Adam asks it for the rate at each update, and {@link #reduce(float)} changes what it answers.
 */
final class PlateauTracker implements Tracker {
    private volatile float value;

    PlateauTracker(float initial) {
        this.value = initial;
    }

    @Override
    public float getNewValue(int numUpdate) {
        return value;
    }

    float value() {
        return value;
    }

    void set(float v) {
        value = v;
    }

    void reduce(float factor) {
        value *= factor;
    }
}
