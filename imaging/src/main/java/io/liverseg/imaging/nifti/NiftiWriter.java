package io.liverseg.imaging.nifti;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;

/**
 * Writes NIfTI-1 or NIfTI-2 images (the header's version and byte order) as {@code .nii},
 * {@code .nii.gz}, or a {@code .hdr}/{@code .img} pair ({@code .hdr.gz} gzips both parts), chosen by the
 * file name. The volume decides datatype, dims and scaling and the header everything else (see
 * {@link NiftiHeader#withVolume}). vox_offset is 352 (NIfTI-1) or 544 (NIfTI-2) plus the extensions,
 * padded to 16. Voxels are encoded and compressed in 64 KiB chunks; a file appears under its name only
 * once completely written.
 */
public final class NiftiWriter {
    /** nibabel's default: level 1 deflates a CT several times faster than level 6 for a few % more bytes. */
    private static final int GZIP_LEVEL = 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    private NiftiWriter() {
    }

    /** Writes an image in the format its file name asks for. */
    public static void write(NiftiImage image, Path p) throws IOException {
        NiftiHeader h = image.header().withVolume(image.volume());
        String name = p.getFileName() == null ? "" : p.getFileName().toString();
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".nii") || lower.endsWith(".nii.gz")) {
            boolean gz = lower.endsWith(".gz");
            writeAtomically(p, out -> writeSingle(h, image.volume(), out, gz));
            return;
        }
        boolean gz = lower.endsWith(".gz");
        String base = gz ? name.substring(0, name.length() - 3) : name;
        String lowerBase = base.toLowerCase(Locale.ROOT);
        if (!lowerBase.endsWith(".hdr") && !lowerBase.endsWith(".img")) {
            throw new IllegalArgumentException("cannot tell the NIfTI format from the file name " + p
                    + ": use .nii, .nii.gz, .hdr, .hdr.gz, .img or .img.gz");
        }
        String stem = base.substring(0, base.length() - 4);
        String suffix = gz ? ".gz" : "";
        Path hdr = p.resolveSibling(stem + ".hdr" + suffix);
        Path img = p.resolveSibling(stem + ".img" + suffix);
        byte[] head = HeaderCodec.encode(h, false, 0);
        writeAtomically(img, out -> writeData(image.volume().voxels(), h.byteOrder(), gzipped(out, gz)));
        writeAtomically(hdr, out -> {
            OutputStream o = gzipped(out, gz);
            o.write(head);
            finish(o);
        });
    }

    /** Writes a volume with a fresh header ({@link NiftiHeader#forVolume}). */
    public static void write(Volume v, Path p) throws IOException {
        write(new NiftiImage(NiftiHeader.forVolume(v), v, 0), p);
    }

    /** Writes a single-file image (.nii layout) to a stream, gzipped or not; the stream is left open. */
    public static void write(NiftiImage image, OutputStream out, boolean gzip) throws IOException {
        NiftiHeader h = image.header().withVolume(image.volume());
        // GZIPOutputStream.finish() ends the gzip stream without closing the caller's stream
        writeSingle(h, image.volume(), out, gzip);
        out.flush();
    }

    private static void writeSingle(NiftiHeader h, Volume v, OutputStream out, boolean gzip) throws IOException {
        byte[] head = HeaderCodec.encode(h, true, voxOffset(h));
        OutputStream o = gzipped(out, gzip);
        o.write(head);
        // encode() already ends on a 16-byte boundary, so the data starts right at vox_offset
        writeData(v.voxels(), h.byteOrder(), o);
    }

    /** 352 (NIfTI-1) or 544 (NIfTI-2) plus the extensions, rounded up to 16. */
    static long voxOffset(NiftiHeader h) {
        long n = h.sizeofHdr() + 4L;
        for (NiftiExtension e : h.extensions()) {
            n += e.esize();
        }
        return (n + 15) / 16 * 16;
    }

    private static void writeData(Voxels voxels, ByteOrder order, OutputStream out) throws IOException {
        byte[] chunk = new byte[1 << 16];
        ByteBuffer buf = ByteBuffer.wrap(chunk);
        int bpv = voxels.type().bytes();
        int perChunk = chunk.length / bpv;
        int size = voxels.size();
        for (int done = 0; done < size; ) {
            int n = Math.min(perChunk, size - done);
            buf.clear();
            voxels.writeTo(buf, order, done, n);
            out.write(chunk, 0, n * bpv);
            done += n;
        }
        finish(out);
    }

    private static OutputStream gzipped(OutputStream out, boolean gzip) throws IOException {
        if (!gzip) {
            return out;
        }
        return new GZIPOutputStream(out, 1 << 16) {
            {
                def.setLevel(GZIP_LEVEL);
            }
        };
    }

    private static void finish(OutputStream o) throws IOException {
        if (o instanceof GZIPOutputStream gz) {
            gz.finish();
        }
        o.flush();
    }

    @FunctionalInterface
    private interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes to a temporary file beside the target and renames it, so readers never see half a file. */
    private static void writeAtomically(Path target, Body body) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        // not Files.createTempFile: that makes the file owner-only (0600) and the rename would keep it so
        Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(
                    Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 1 << 16)) {
                body.writeTo(out);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
