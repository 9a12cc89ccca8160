package io.liverseg.localstack;

import java.time.Duration;

/** A point in time to poll against; pauses between polls are short and bounded by what is left. */
final class Deadline {

    private final long endNanos;
    private final Duration total;

    private Deadline(Duration total) {
        this.total = total;
        this.endNanos = System.nanoTime() + total.toNanos();
    }

    static Deadline in(Duration total) {
        return new Deadline(total);
    }

    boolean passed() {
        return System.nanoTime() - endNanos >= 0;
    }

    Duration remaining() {
        return Duration.ofNanos(Math.max(0, endNanos - System.nanoTime()));
    }

    Duration total() {
        return total;
    }

    /** Waits {@code pause} (or what is left) before the next poll; false once the deadline has passed. */
    boolean pause(Duration pause) throws InterruptedException {
        if (passed()) {
            return false;
        }
        long nanos = Math.min(pause.toNanos(), Math.max(0, endNanos - System.nanoTime()));
        Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        return !passed();
    }
}
