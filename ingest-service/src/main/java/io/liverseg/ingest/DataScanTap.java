package io.liverseg.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Runs validation's data pass ({@link NiftiValidator#scanData}: inflate and count) on another thread over the
 * bytes of an upload as they are spooled, so a 77 MB .nii.gz is inflated while it is still arriving instead of in
 * a second pass afterwards (≈ 0.9 s on the critical path of every scan). At most {@value #CAPACITY} chunks wait
 * between the two threads: a slow inflater slows the spool, it does not fill the heap.
 */
public final class DataScanTap implements AutoCloseable {
    static final int CAPACITY = 64;
    private static final byte[] END = new byte[0];
    private static final long POLL_MS = 50;

    private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(CAPACITY);
    private final CompletableFuture<NiftiValidator.DataScan> result;
    private volatile boolean closed;

    /** Starts the data pass on {@code executor}; it reads what {@link #write} hands over until {@link #finish}. */
    public DataScanTap(NiftiValidator validator, Executor executor) {
        this.result = CompletableFuture.supplyAsync(() -> {
            try {
                return validator.scanData(new ChunkStream());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, executor);
    }

    /** Hands over a copy of {@code len} bytes; a no-op once the pass has stopped (at a problem it found). */
    public void write(byte[] buf, int off, int len) throws IOException {
        if (len > 0 && !result.isDone()) {
            offer(Arrays.copyOfRange(buf, off, off + len));
        }
    }

    /** Ends the input and waits for the pass's verdict on all the bytes written. */
    public NiftiValidator.DataScan finish() throws IOException {
        offer(END);
        try {
            return result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            throw new IOException("data pass failed: " + e.getCause(), e.getCause());
        }
    }

    /** Stops the pass if it still waits for input (the spool failed); safe after {@link #finish}. */
    @Override
    public void close() {
        closed = true;
    }

    private void offer(byte[] chunk) throws IOException {
        try {
            while (!result.isDone()) {
                if (chunks.offer(chunk, POLL_MS, TimeUnit.MILLISECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new InterruptedIOException("interrupted while spooling");
        }
    }

    /** The bytes handed over, as a stream for the pass; ends at {@link #END}, fails once the tap is closed. */
    private final class ChunkStream extends InputStream {
        private byte[] current = new byte[0];
        private int pos;
        private boolean ended;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (pos == current.length) {
                if (ended) {
                    return -1;
                }
                byte[] next = take();
                if (next == END) {
                    ended = true;
                    return -1;
                }
                current = next;
                pos = 0;
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }

        private byte[] take() throws IOException {
            try {
                while (true) {
                    byte[] next = chunks.poll(POLL_MS, TimeUnit.MILLISECONDS);
                    if (next != null) {
                        return next;
                    }
                    if (closed) {
                        throw new IOException("the upload ended before its data pass (the spool failed)");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("data pass interrupted");
            }
        }
    }
}
