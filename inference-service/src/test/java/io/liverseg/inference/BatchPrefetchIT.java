package io.liverseg.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.liverseg.imaging.preprocess.SliceBatch;
import io.liverseg.imaging.preprocess.SliceBatchCodec;
import io.liverseg.localstack.LocalStack;
import io.liverseg.localstack.LocalStackExtension;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The batch fetched ahead from a real S3 server (S3Proxy), and every way a guess can miss. */
@ExtendWith(LocalStackExtension.class)
class BatchPrefetchIT {
    private static final String SCAN = "ab".repeat(32);

    private ObjectStore store;
    private BatchPrefetch prefetch;

    @BeforeEach
    void setUp(LocalStack stack) {
        store = new ObjectStore(stack.s3Client(), "batch-prefetch-it");
        store.ensureBucket();
        prefetch = new BatchPrefetch(store);
    }

    @AfterEach
    void tearDown() {
        prefetch.close();
    }

    private static SliceBatch batch(int first) {
        float[] data = new float[2 * 4 * 4];
        for (int i = 0; i < data.length; i++) {
            data[i] = first * 100 + i * 0.5f;
        }
        return new SliceBatch(first, 2, 1, 4, 4, data);
    }

    private String stored(int index) {
        String key = ObjectKeys.batch(SCAN, "liver", "3", index);
        store.put(key, SliceBatchCodec.encode(batch(index * 2)), "application/octet-stream");
        return key;
    }

    @Test
    void theBatchFetchedAheadIsTheStoredOneAndIsTakenOnce() {
        String key = stored(1);
        prefetch.start(key);
        Optional<SliceBatch> taken = prefetch.take(key);
        assertThat(taken).hasValueSatisfying(b -> {
            assertThat(b.firstSlice()).isEqualTo(2);
            assertThat(b.data()).isEqualTo(batch(2).data());
        });
        assertThat(prefetch.take(key)).isEmpty();
    }

    @Test
    void aGuessThatMissesGivesNothingAndIsDropped() {
        String guessed = stored(4);
        String other = stored(5);
        prefetch.start(guessed);
        assertThat(prefetch.take(other)).isEmpty();
        // the miss dropped the guess: asking for it now finds nothing fetched ahead
        assertThat(prefetch.take(guessed)).isEmpty();
    }

    @Test
    void aBatchNotWrittenYetOrUnreadableGivesNothing() {
        String missing = ObjectKeys.batch(SCAN, "liver", "3", 7);
        prefetch.start(missing);
        assertThat(prefetch.take(missing)).isEmpty();

        String corrupt = ObjectKeys.batch(SCAN, "liver", "3", 8);
        store.put(corrupt, "not a batch".getBytes(StandardCharsets.UTF_8), "application/octet-stream");
        prefetch.start(corrupt);
        assertThat(prefetch.take(corrupt)).isEmpty();
    }
}
