package io.liverseg.imaging.nifti;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * A forward-only byte source over a plain or gzip file or stream that counts the bytes it has decoded,
 * turns the end of input into "fewer bytes than asked" (so the caller names the field at fault) and a
 * corrupt gzip stream into a {@link NiftiException} on field {@code gzip}.
 */
final class NiftiSource implements Closeable {
    static final int BUFFER = 1 << 16;

    private final Path file;
    private final InputStream in;
    private final boolean gzip;
    private final long size;
    private long position;
    private boolean eof;
    private boolean truncatedGzip;

    private NiftiSource(Path file, InputStream in, boolean gzip, long size) {
        this.file = file;
        this.in = in;
        this.gzip = gzip;
        this.size = size;
    }

    /**
     * Opens a file that starts with a NIfTI header, detecting gzip by its magic bytes (1f 8b), not by its
     * name: a header never starts with them, since sizeof_hdr is 348 or 540 in either byte order.
     */
    static NiftiSource open(Path file) throws IOException {
        return open(file, null);
    }

    /**
     * Opens the .img of a pair. Its voxel data may well start with 1f 8b, so here the name decides:
     * gzip exactly when it ends in .gz.
     */
    static NiftiSource openImage(Path file) throws IOException {
        return open(file, file.getFileName() != null && file.getFileName().toString().endsWith(".gz"));
    }

    private static NiftiSource open(Path file, Boolean gzip) throws IOException {
        InputStream raw = Files.newInputStream(file);
        try {
            long size = Files.size(file);
            return wrap(file, raw, size, gzip);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /** Wraps a caller's stream, which {@link #close()} leaves open. */
    static NiftiSource of(InputStream in, Path name) throws IOException {
        return wrap(name, new FilterInputStream(in) {
            @Override
            public void close() {
                // the caller owns the stream
            }
        }, -1, null);
    }

    private static NiftiSource wrap(Path file, InputStream raw, long size, Boolean gzip) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, BUFFER);
        boolean isGzip;
        if (gzip != null) {
            isGzip = gzip;
        } else {
            buffered.mark(2);
            int b0 = buffered.read();
            int b1 = buffered.read();
            buffered.reset();
            isGzip = b0 == 0x1f && b1 == 0x8b;
        }
        if (isGzip) {
            try {
                return new NiftiSource(file, new GZIPInputStream(buffered, BUFFER), true, -1);
            } catch (EOFException e) {
                throw new NiftiException(file, "gzip", "gzip stream ends inside its own header");
            } catch (ZipException e) {
                throw new NiftiException(file, "gzip", "corrupt gzip stream: " + e.getMessage());
            }
        }
        return new NiftiSource(file, buffered, false, size);
    }

    Path file() {
        return file;
    }

    boolean isGzip() {
        return gzip;
    }

    /** Size of the decoded content when known (a plain file), else -1. */
    long knownSize() {
        return size;
    }

    /** True once the gzip stream was found cut off (before its end marker and CRC/length trailer). */
    boolean truncatedGzip() {
        return truncatedGzip;
    }

    /** Bytes consumed so far (after inflation). */
    long position() {
        return position;
    }

    /** Reads up to {@code len} bytes, fewer only at the end of input; returns how many were read. */
    int read(byte[] b, int off, int len) throws IOException {
        int done = 0;
        while (done < len && !eof) {
            int n;
            try {
                n = in.read(b, off + done, len - done);
            } catch (EOFException e) {
                // GZIPInputStream's "Unexpected end of ZLIB input stream": a truncated file
                truncatedGzip = true;
                n = -1;
            } catch (ZipException e) {
                throw new NiftiException(file, "gzip", "corrupt gzip stream after " + (position + done)
                        + " decoded bytes: " + e.getMessage());
            }
            if (n < 0) {
                eof = true;
            } else {
                done += n;
            }
        }
        position += done;
        return done;
    }

    /** Skips forward to an absolute position; returns false if the input ended first. */
    boolean skipTo(long target, byte[] scratch) throws IOException {
        while (position < target) {
            int n = read(scratch, 0, (int) Math.min(scratch.length, target - position));
            if (n == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads and discards what is left, at most {@code budget} bytes; returns false if more than that is
     * left. Reading to the end makes GZIPInputStream check the stream's CRC-32 and length trailer.
     */
    boolean drain(long budget, byte[] scratch) throws IOException {
        long start = position;
        while (!eof) {
            long allowed = budget - (position - start);
            int n = read(scratch, 0, allowed >= scratch.length ? scratch.length : (int) allowed + 1);
            if (position - start > budget) {
                return false;
            }
            if (n == 0) {
                break;
            }
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
