package io.liverseg.inference;

import io.liverseg.storage.ObjectKeys;
import java.util.BitSet;
import java.util.Collection;

/** Bookkeeping of the mask parts of one scan, task and model version. */
final class Parts {
    private Parts() {
    }

    /**
     * True when {@code keys} (a listing of {@link ObjectKeys#partPrefix}) hold the part of every batch index
     * {@code 0 .. batchCount-1}. Other objects and indices out of range do not count.
     */
    static boolean complete(Collection<String> keys, String scan, String task, String version, int batchCount) {
        return present(keys, scan, task, version, batchCount).cardinality() == batchCount;
    }

    /** The batch indices whose part is among {@code keys}. */
    static BitSet present(Collection<String> keys, String scan, String task, String version, int batchCount) {
        java.util.Set<String> names = new java.util.HashSet<>(keys);
        BitSet seen = new BitSet(batchCount);
        for (int i = 0; i < batchCount; i++) {
            // exact keys only: the set of expected names is small, and a stray object never counts
            if (names.contains(ObjectKeys.part(scan, task, version, i))) {
                seen.set(i);
            }
        }
        return seen;
    }
}
