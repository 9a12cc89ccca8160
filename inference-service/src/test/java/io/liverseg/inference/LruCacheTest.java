package io.liverseg.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LruCacheTest {

    static final class Handle implements AutoCloseable {
        final String name;
        final List<String> closed;

        Handle(String name, List<String> closed) {
            this.name = name;
            this.closed = closed;
        }

        @Override
        public void close() {
            closed.add(name);
        }
    }

    @Test
    void keepsTwoVersionsAndClosesTheLeastRecentlyUsed() throws Exception {
        List<String> loads = new ArrayList<>();
        List<String> closed = new ArrayList<>();
        LruCache<String, Handle> cache = new LruCache<>(2);
        LruCache.Loader<String, Handle> loader = k -> {
            loads.add(k);
            return new Handle(k, closed);
        };
        Handle one = cache.get("1", loader);
        cache.get("2", loader);
        assertThat(cache.get("1", loader)).isSameAs(one);   // a hit, and "1" is now the most recent
        cache.get("3", loader);                              // evicts "2"
        assertThat(loads).containsExactly("1", "2", "3");
        assertThat(closed).containsExactly("2");
        assertThat(cache.keys()).containsExactly("1", "3");
        cache.get("2", loader);                              // loaded again, evicts "1"
        assertThat(closed).containsExactly("2", "1");
        cache.close();
        assertThat(closed).containsExactlyInAnyOrder("2", "1", "3", "2");
        assertThat(cache.keys()).isEmpty();
    }

    @Test
    void aFailedLoadCachesNothing() {
        LruCache<String, Handle> cache = new LruCache<>(2);
        try {
            cache.get("bad", k -> {
                throw new IllegalStateException("no such package");
            });
        } catch (Exception e) {
            assertThat(e).hasMessage("no such package");
        }
        assertThat(cache.keys()).isEmpty();
    }
}
