package io.liverseg.inference;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * A small least-recently-used cache of closeable values (loaded models): beyond {@code capacity} entries the
 * least recently used one is removed and closed. Not thread-safe; callers synchronise.
 */
final class LruCache<K, V extends AutoCloseable> implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LruCache.class);

    /** Makes a value for a key that is not cached. */
    @FunctionalInterface
    interface Loader<K, V> {
        V load(K key) throws Exception;
    }

    private final int capacity;
    private final LinkedHashMap<K, V> entries = new LinkedHashMap<>(8, 0.75f, true);

    LruCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    V get(K key, Loader<K, V> loader) throws Exception {
        V v = entries.get(key);
        if (v != null) {
            return v;
        }
        v = loader.load(key);
        entries.put(key, v);
        Iterator<Map.Entry<K, V>> it = entries.entrySet().iterator();
        while (entries.size() > capacity && it.hasNext()) {
            Map.Entry<K, V> eldest = it.next();
            it.remove();
            closeQuietly(eldest.getKey(), eldest.getValue());
        }
        return v;
    }

    /** Keys, least recently used first. */
    List<K> keys() {
        return new ArrayList<>(entries.keySet());
    }

    @Override
    public void close() {
        for (Map.Entry<K, V> e : entries.entrySet()) {
            closeQuietly(e.getKey(), e.getValue());
        }
        entries.clear();
    }

    private static void closeQuietly(Object key, AutoCloseable value) {
        try {
            value.close();
        } catch (Exception e) {
            LOG.warnf(e, "closing cached %s failed", key);
        }
    }
}
