package io.liverseg.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Runs validation's data pass ({@link NiftiValidator#scanData}: inflate and count) on another thread over a
 * spool file while it is still being written, and after: the pass reads the bytes the writer has published with
 * {@link #advance}, waiting for more until {@link #end}. A 77 MB .nii.gz is then inflated while it arrives instead
 * of in a second pass afterwards, and the upload is not slowed to the inflater's pace (the file, not the heap,
 * holds what the pass has not read yet), so the scan can be staged in S3 while its data is still checked.
 */
public final class DataScanTap implements AutoCloseable {
    private final NiftiValidator validator;
    private final Executor executor;
    private CompletableFuture<NiftiValidator.DataScan> result;
    private long available;
    private boolean ended;
    private boolean cancelled;

    /** A tap whose pass starts at {@link #start}, on {@code executor}. */
    public DataScanTap(NiftiValidator validator, Executor executor) {
        this.validator = validator;
        this.executor = executor;
    }

    /** Starts the pass over {@code file}: it reads what {@link #advance} and {@link #end} publish. */
    public synchronized void start(Path file) {
        if (result != null) {
            throw new IllegalStateException("the data pass has started already");
        }
        result = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = new FollowingStream(file)) {
                return validator.scanData(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, executor);
    }

    /** The file now holds its first {@code written} bytes. */
    public synchronized void advance(long written) {
        available = Math.max(available, written);
        notifyAll();
    }

    /** The file is complete with {@code total} bytes. */
    public synchronized void end(long total) {
        available = total;
        ended = true;
        notifyAll();
    }

    /** True once the pass has its verdict (or failed). */
    public synchronized boolean isDone() {
        return result != null && result.isDone();
    }

    /** Waits for the pass's verdict on all the bytes up to {@link #end}. */
    public NiftiValidator.DataScan verdict() throws IOException {
        CompletableFuture<NiftiValidator.DataScan> r;
        synchronized (this) {
            if (result == null) {
                throw new IllegalStateException("the data pass was never started");
            }
            r = result;
        }
        try {
            return r.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            throw new IOException("data pass failed: " + e.getCause(), e.getCause());
        }
    }

    /** Stops a pass that still reads (the spool failed, or the file was refused or deleted); idempotent. */
    @Override
    public synchronized void close() {
        cancelled = true;
        notifyAll();
    }

    /** Waits until byte {@code position} is published (true) or the file ended before it (false). */
    private synchronized boolean awaitByte(long position) throws IOException {
        while (position >= available && !ended && !cancelled) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("data pass interrupted");
            }
        }
        if (cancelled) {
            throw new IOException("the data pass was stopped before the upload's end (the spool failed or the"
                    + " file was refused)");
        }
        return position < available;
    }

    private synchronized long published() {
        return available;
    }

    /** The spool file's published bytes as a stream: blocks for bytes not written yet, ends at {@link #end}. */
    private final class FollowingStream extends InputStream {
        private final InputStream file;
        private long position;

        FollowingStream(Path path) throws IOException {
            this.file = Files.newInputStream(path);
        }

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
            if (!awaitByte(position)) {
                return -1;
            }
            int n = file.read(b, off, (int) Math.min(len, published() - position));
            if (n < 0) {
                throw new IOException("the spool file ended at " + position + " bytes, before the "
                        + published() + " written to it");
            }
            position += n;
            return n;
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }
}
