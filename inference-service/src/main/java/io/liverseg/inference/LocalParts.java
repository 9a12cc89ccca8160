package io.liverseg.inference;

import io.liverseg.imaging.preprocess.SliceBatchCodec.MaskPart;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The mask parts this instance predicted and stored, kept in memory for the assembly of their mask so that it
 * need not GET and decode them again (≈ 0.15–0.25 s of a 300-slice scan's assembly, which is on the critical
 * path of the last task). Only a copy: S3 stays the truth, and a part that is not here (predicted by another
 * instance, or evicted) is read from S3. Bounded by the bytes of labels held; the oldest parts go first.
 * Thread-safe.
 */
final class LocalParts {
    private final long maxBytes;
    private final LinkedHashMap<String, MaskPart> parts = new LinkedHashMap<>();
    private long bytes;

    /** @param maxBytes labels held at most (a 32-slice part at 256² is 2 MiB) */
    LocalParts(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    /** Keeps the part just stored under {@code key}, evicting the oldest parts beyond the bound. */
    synchronized void remember(String key, MaskPart part) {
        MaskPart old = parts.remove(key);
        if (old != null) {
            bytes -= old.labels().length;
        }
        if (part.labels().length > maxBytes) {
            return;
        }
        parts.put(key, part);
        bytes += part.labels().length;
        Iterator<Map.Entry<String, MaskPart>> it = parts.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            bytes -= it.next().getValue().labels().length;
            it.remove();
        }
    }

    /** The part stored under {@code key} if this instance still holds it; it is no longer held afterwards. */
    synchronized Optional<MaskPart> take(String key) {
        MaskPart p = parts.remove(key);
        if (p != null) {
            bytes -= p.labels().length;
        }
        return Optional.ofNullable(p);
    }

    /** Drops every part whose key starts with {@code prefix} (e.g. a mask that was assembled or failed). */
    synchronized void forget(String prefix) {
        Iterator<Map.Entry<String, MaskPart>> it = parts.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, MaskPart> e = it.next();
            if (e.getKey().startsWith(prefix)) {
                bytes -= e.getValue().labels().length;
                it.remove();
            }
        }
    }

    /** Bytes of labels held. */
    synchronized long bytes() {
        return bytes;
    }

    /** Parts held. */
    synchronized int size() {
        return parts.size();
    }
}
