package io.liverseg.inference;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the gRPC segmentations: {@code max-concurrent} run at once on their own threads, at most
 * {@code max-queued} more are admitted (uploading or waiting for a thread), and anything beyond is refused at
 * once. A request holds its {@link Ticket} from its first message until it ends, so uploads spooled to disk are
 * bounded as well.
 */
@ApplicationScoped
public class SegmentationSlots {
    private final int maxConcurrent;
    private final int maxQueued;
    private final Semaphore admission;
    private final ThreadPoolExecutor executor;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicLong batches = new AtomicLong();

    @Inject
    SegmentationSlots(InferenceConfig config) {
        this(config.grpc().maxConcurrent(), config.grpc().maxQueued());
    }

    /** Names of the threads that run the segmentations (forward passes included). */
    static final String THREAD_PREFIX = "liverseg-grpc-segment-";

    SegmentationSlots(int maxConcurrent, int maxQueued) {
        if (maxConcurrent < 1 || maxQueued < 0) {
            throw new IllegalArgumentException("liverseg.grpc.max-concurrent must be at least 1 and max-queued at"
                    + " least 0, got " + maxConcurrent + " and " + maxQueued);
        }
        this.maxConcurrent = maxConcurrent;
        this.maxQueued = maxQueued;
        this.admission = new Semaphore(maxConcurrent + maxQueued);
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(maxConcurrent, maxConcurrent, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, THREAD_PREFIX + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /** A request's place: released exactly once, when the request ends however it ends. */
    public final class Ticket {
        private final AtomicBoolean released = new AtomicBoolean();
        private volatile Runnable queued;

        public void release() {
            if (released.compareAndSet(false, true)) {
                admission.release();
            }
        }

        /**
         * Runs {@code job} on a segmentation thread when one is free; the ticket is released when it ends.
         *
         * @return requests waiting for a thread ahead of this one
         */
        public int submit(Runnable job) {
            int ahead = running.get() >= maxConcurrent ? executor.getQueue().size() + 1 : 0;
            Runnable r = () -> {
                running.incrementAndGet();
                try {
                    job.run();
                } finally {
                    running.decrementAndGet();
                    release();
                }
            };
            queued = r;
            executor.execute(r);
            return ahead;
        }

        /** Takes a job that has not started yet off the queue (and releases the ticket); false when it runs. */
        public boolean withdraw() {
            Runnable r = queued;
            if (r != null && executor.remove(r)) {
                release();
                return true;
            }
            if (r == null) {
                release();
                return true;
            }
            return false;
        }
    }

    /** A ticket, or empty when {@code max-concurrent + max-queued} requests are in already. */
    public Optional<Ticket> tryAdmit() {
        return admission.tryAcquire() ? Optional.of(new Ticket()) : Optional.empty();
    }

    public int maxConcurrent() {
        return maxConcurrent;
    }

    public int maxQueued() {
        return maxQueued;
    }

    /** Segmentations running right now. */
    public int running() {
        return running.get();
    }

    /** Requests admitted and not ended (running, waiting or uploading). */
    public int admitted() {
        return maxConcurrent + maxQueued - admission.availablePermits();
    }

    /** Network batches predicted by gRPC segmentations since start (to see that cancelled work stops). */
    public long batchesPredicted() {
        return batches.get();
    }

    void countBatch() {
        batches.incrementAndGet();
    }

    @PreDestroy
    void shutdown() {
        executor.shutdownNow();
    }
}
