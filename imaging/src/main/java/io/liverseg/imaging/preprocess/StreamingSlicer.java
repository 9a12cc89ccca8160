package io.liverseg.imaging.preprocess;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.geometry.Reorientation;
import io.liverseg.imaging.nifti.NiftiHeader;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.nifti.VoxelListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;

/**
 * Reads a CT and emits its canonical slice batches while the file is still inflating: the read runs on its
 * own thread and each batch is made as soon as the source voxels it needs have arrived. For axially stored
 * CT (the usual case, LPS or RAS) this overlaps decompression with preprocessing; for inputs whose slice
 * axis is flipped or permuted the first batch simply waits for the whole volume. No reoriented copy of the
 * volume is made, so memory is the decoded voxels plus a few slices.
 *
 * <p>On failure (a bad or truncated file, or the sink throwing) the exception is rethrown to the caller and
 * the read stops; batches already handed to the sink must then be discarded by the caller.
 */
public final class StreamingSlicer {
    private StreamingSlicer() {
    }

    /** Receives batches in canonical slice order. */
    @FunctionalInterface
    public interface BatchSink {
        void accept(SliceBatch batch) throws IOException;
    }

    /**
     * @param batchSize slices per batch (the last batch may be smaller)
     * @return the volume as read (source grid), e.g. for measurements afterwards
     */
    public static Volume readAndSlice(NiftiReader reader, Path file, PreprocessingSpec spec, int batchSize,
                                      BatchSink sink) throws IOException {
        return readAndSlice(reader, file, spec, batchSize, sink, volume -> { });
    }

    /**
     * As {@link #readAndSlice(NiftiReader, Path, PreprocessingSpec, int, BatchSink)}, telling {@code onStart}
     * (on the calling thread, just before the first batch) about the volume being read, whose voxels are not yet
     * all there: its dims and affine are final, e.g. to prepare a mask on its grid. Neither is called for an
     * image that is not CT in Hounsfield units ({@link CtIntensityCheck}, on the voxels of the first batch).
     */
    public static Volume readAndSlice(NiftiReader reader, Path file, PreprocessingSpec spec, int batchSize,
                                      BatchSink sink, java.util.function.Consumer<Volume> onStart) throws IOException {
        return slice(listener -> reader.readScan(file, listener), file.getFileName().toString(), file, spec,
                batchSize, sink, onStart);
    }

    /**
     * As {@link #readAndSlice(NiftiReader, Path, PreprocessingSpec, int, BatchSink, java.util.function.Consumer)}
     * for a single-file image (.nii or .nii.gz) read from {@code in} — e.g. straight from S3, so the first batch
     * does not wait for a download of the whole file. {@code in} is read on another thread (stopped at its next
     * chunk when slicing fails) and left open for the caller to close.
     *
     * @param name stands for the file in messages
     */
    public static Volume readAndSlice(NiftiReader reader, InputStream in, String name, PreprocessingSpec spec,
                                      int batchSize, BatchSink sink, java.util.function.Consumer<Volume> onStart)
            throws IOException {
        return slice(listener -> reader.readScan(in, name, listener), name, NiftiReader.nameAsPath(name), spec,
                batchSize, sink, onStart);
    }

    /** Reads a scan, telling the listener as voxels arrive. */
    @FunctionalInterface
    private interface Read {
        Volume read(VoxelListener listener) throws IOException;
    }

    private static Volume slice(Read read, String name, Path source, PreprocessingSpec spec, int batchSize,
                                BatchSink sink, java.util.function.Consumer<Volume> onStart) throws IOException {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        Progress progress = new Progress();
        Thread readerThread = new Thread(() -> progress.run(read), "nifti-reader-" + name);
        readerThread.setDaemon(true);
        readerThread.start();
        boolean done = false;
        try {
            Volume volume = progress.awaitStarted();
            Reorientation r = Reorientation.toCanonical(volume);
            SlicePreprocessor pre = new SlicePreprocessor(volume, r, spec);
            int nz = pre.sliceCount();
            int margin = spec.channels() == 3 ? 1 : 0;
            for (int first = 0; first < nz; first += batchSize) {
                int count = Math.min(batchSize, nz - first);
                int lo = Math.max(0, first - margin);
                int hi = Math.min(nz - 1, first + count - 1 + margin);
                // linear in k, so the extreme slices bound what the batch reads
                progress.awaitVoxels(Math.max(r.sourceVoxelsNeeded(lo), r.sourceVoxelsNeeded(hi)));
                if (first == 0) {
                    // before onStart and the sink see anything (so a refused image leaves nothing behind): the
                    // voxels the first batch needs (the whole volume when the slice axis is flipped or permuted)
                    // decide whether this is CT in HU at all
                    CtIntensityCheck.require(volume, progress.voxelsRead(), source);
                    onStart.accept(volume);
                }
                sink.accept(pre.batch(first, count));
            }
            progress.awaitFinished();
            done = true;
            return volume;
        } finally {
            if (!done) {
                progress.cancel();
            }
            joinQuietly(readerThread);
        }
    }

    private static void joinQuietly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** State shared between the reading thread and the slicing thread, guarded by this object's monitor. */
    private static final class Progress implements VoxelListener {
        private Volume volume;
        private long voxels;
        private boolean finished;
        private boolean cancelled;
        private Throwable failure;

        void run(Read read) {
            try {
                read.read(this);
                synchronized (this) {
                    finished = true;
                    notifyAll();
                }
            } catch (Throwable t) {
                synchronized (this) {
                    failure = t;
                    notifyAll();
                }
            }
        }

        @Override
        public synchronized void started(NiftiHeader header, Volume v) {
            volume = v;
            notifyAll();
        }

        @Override
        public synchronized void progress(long voxelsRead) {
            if (cancelled) {
                throw new CancellationException("slicing stopped");
            }
            voxels = voxelsRead;
            notifyAll();
        }

        synchronized void cancel() {
            cancelled = true;
        }

        synchronized Volume awaitStarted() throws IOException {
            while (volume == null) {
                waitOrFail();
            }
            return volume;
        }

        synchronized void awaitVoxels(long needed) throws IOException {
            while (voxels < needed && !finished) {
                waitOrFail();
            }
        }

        synchronized long voxelsRead() {
            return finished ? Long.MAX_VALUE : voxels;
        }

        synchronized void awaitFinished() throws IOException {
            while (!finished) {
                waitOrFail();
            }
        }

        private void waitOrFail() throws IOException {
            if (failure != null) {
                rethrow();
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading", e);
            }
            if (failure != null) {
                rethrow();
            }
        }

        private void rethrow() throws IOException {
            if (failure instanceof IOException io) {
                throw io;
            }
            if (failure instanceof RuntimeException re) {
                throw re;
            }
            if (failure instanceof Error err) {
                throw err;
            }
            throw new UncheckedIOException(new IOException(failure));
        }
    }
}
