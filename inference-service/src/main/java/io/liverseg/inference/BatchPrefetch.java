package io.liverseg.inference;

import io.liverseg.imaging.preprocess.SliceBatch;
import io.liverseg.imaging.preprocess.SliceBatchCodec;
import io.liverseg.storage.ObjectStore;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jboss.logging.Logger;

/**
 * One slice batch fetched and decoded ahead, while the batch before it is predicted: preprocess writes a scan's
 * batches under consecutive keys, so the batch that follows {@code batch-00003.lsb} is {@code batch-00004.lsb}, and
 * the next event usually names it. A guess that misses (another scan's batch comes next, the object is not written
 * yet, the fetch failed) costs only that fetch: the caller then fetches the batch itself, as without prefetching, and
 * any error is reported there.
 */
final class BatchPrefetch implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BatchPrefetch.class);

    /** Name of the prefetching thread. */
    static final String THREAD = "batch-prefetch";

    private final ObjectStore store;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(DaemonThreads.named(THREAD));
    private String key;
    private Future<SliceBatch> pending;

    BatchPrefetch(ObjectStore store) {
        this.store = store;
    }

    /** Starts fetching {@code batchKey}, dropping an earlier prefetch nobody took. */
    synchronized void start(String batchKey) {
        drop();
        key = batchKey;
        pending = executor.submit(() -> {
            Optional<byte[]> bytes = store.get(batchKey);
            return bytes.isEmpty() ? null : SliceBatchCodec.decodeBatch(bytes.get());
        });
    }

    /** The batch stored under {@code batchKey} if it is the one fetched ahead, waiting for the fetch to end. */
    synchronized Optional<SliceBatch> take(String batchKey) {
        if (pending == null || !batchKey.equals(key)) {
            drop();
            return Optional.empty();
        }
        Future<SliceBatch> f = pending;
        pending = null;
        key = null;
        try {
            return Optional.ofNullable(f.get());
        } catch (ExecutionException e) {
            LOG.debugf("prefetch of %s failed, fetching it again: %s", batchKey, e.getCause());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private void drop() {
        if (pending != null) {
            pending.cancel(true);
            pending = null;
            key = null;
        }
    }

    @Override
    public synchronized void close() {
        drop();
        executor.shutdownNow();
    }
}
