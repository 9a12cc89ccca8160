package io.liverseg.inference;

import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * Decides after which stored part the finisher lists a scan's parts in S3 to see whether its mask can be assembled.
 *
 * <p>A scan's batches share one partition (keyed by scan id) and one consumer handles them in offset order, one
 * forward pass after another, its finisher storing their parts in that order. So when the part of the last batch
 * ({@code batch_count - 1}) is stored, every earlier batch's part is stored too: by this instance before it, or by
 * whichever instance acknowledged it before a rebalance (a batch is acknowledged only after its part is stored,
 * and a new owner starts again from the first unacknowledged offset). Listing after the last batch alone is
 * therefore enough; listing after every batch cost the finisher and S3Proxy 20 listings of a two-task 300-slice
 * scan, each parsed from XML, for nothing. A part stored after the last batch's (a redelivery, or batches handled
 * out of order) lists again, so a scan whose last listing found a part missing is finished by the part that was
 * missing. Thread-safe.
 */
final class PartListings {
    /** Scans whose last batch was finished here while a part was still missing; far more than are ever open. */
    static final int MAX_OPEN = 4096;

    private final int capacity;
    /** Part prefixes whose last batch was finished here; insertion order, the eldest dropped beyond capacity. */
    private final LinkedHashMap<String, Boolean> lastFinished = new LinkedHashMap<>();

    PartListings() {
        this(MAX_OPEN);
    }

    PartListings(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    /**
     * Whether the parts under {@code prefix} must be listed now that the part of batch {@code index} of
     * {@code count} is stored: after the last batch, and after any batch that follows it.
     */
    synchronized boolean mustList(String prefix, int index, int count) {
        if (index == count - 1) {
            lastFinished.put(prefix, Boolean.TRUE);
            Iterator<String> it = lastFinished.keySet().iterator();
            while (lastFinished.size() > capacity && it.hasNext()) {
                it.next();
                it.remove();
            }
            return true;
        }
        return lastFinished.containsKey(prefix);
    }

    /** The mask under {@code prefix} was assembled or failed: nothing more to watch. */
    synchronized void forget(String prefix) {
        lastFinished.remove(prefix);
    }

    /** Prefixes watched. */
    synchronized int size() {
        return lastFinished.size();
    }
}
