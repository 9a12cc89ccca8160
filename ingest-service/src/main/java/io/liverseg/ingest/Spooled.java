package io.liverseg.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A file on local disk with the SHA-256 of its bytes (the scan id) and whether it is gzip, found by its magic
 * bytes {@code 1f 8b}, never by its name.
 *
 * @param path   the local file
 * @param sha256 lower-case hex SHA-256 of the bytes
 * @param size   bytes
 * @param gzip   true when the file starts with the gzip magic
 * @param dataScan validation's data pass over the same bytes, made while they were read ({@link DataScanTap}), or
 *               null when none was asked for
 */
public record Spooled(Path path, String sha256, long size, boolean gzip, NiftiValidator.DataScan dataScan) {
    private static final int BUFFER = 1 << 16;

    /** Without a data pass. */
    public Spooled(Path path, String sha256, long size, boolean gzip) {
        this(path, sha256, size, gzip, null);
    }

    /**
     * Streams {@code in} to a new temp file in {@code dir}, hashing as it goes, in bounded memory. More than
     * {@code maxBytes} bytes: the temp file is deleted and {@link InvalidScanException#tooLarge} thrown.
     */
    public static Spooled spool(InputStream in, Path dir, String name, long maxBytes) throws IOException,
            InvalidScanException {
        return spool(in, dir, name, maxBytes, null);
    }

    /**
     * As {@link #spool(InputStream, Path, String, long)}, handing every byte to {@code tap} as well (which it
     * closes), whose verdict becomes {@link #dataScan()}; a null tap makes none.
     */
    public static Spooled spool(InputStream in, Path dir, String name, long maxBytes, DataScanTap tap)
            throws IOException, InvalidScanException {
        try (tap) {
            return spoolTo(Files.createTempFile(dir, "upload-", ".bin"), in, name, maxBytes, tap);
        }
    }

    private static Spooled spoolTo(Path file, InputStream in, String name, long maxBytes, DataScanTap tap)
            throws IOException, InvalidScanException {
        boolean ok = false;
        try {
            MessageDigest sha = newDigest();
            byte[] buf = new byte[BUFFER];
            long size = 0;
            int b0 = -1;
            int b1 = -1;
            try (OutputStream out = Files.newOutputStream(file)) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (n == 0) {
                        continue;
                    }
                    if (size == 0) {
                        b0 = buf[0] & 0xff;
                        b1 = n > 1 ? buf[1] & 0xff : -1;
                    } else if (size == 1) {
                        b1 = buf[0] & 0xff;
                    }
                    size += n;
                    if (size > maxBytes) {
                        // Read the rest without keeping it, so the client gets to read the answer (413), then refuse.
                        while (in.read(buf) >= 0) {
                            // discard
                        }
                        throw InvalidScanException.tooLarge(name, maxBytes);
                    }
                    sha.update(buf, 0, n);
                    out.write(buf, 0, n);
                    if (tap != null) {
                        tap.write(buf, 0, n);
                    }
                }
            }
            NiftiValidator.DataScan scan = tap == null ? null : tap.finish();
            ok = true;
            return new Spooled(file, HexFormat.of().formatHex(sha.digest()), size, isGzipMagic(b0, b1), scan);
        } finally {
            if (!ok) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** Hashes a file that is already on disk (a multipart part, a downloaded object). */
    public static Spooled of(Path file) throws IOException {
        return of(file, null);
    }

    /** As {@link #of(Path)}, handing the bytes to {@code tap} as well (closed here) for {@link #dataScan()}. */
    public static Spooled of(Path file, DataScanTap tap) throws IOException {
        try (tap) {
            return hash(file, tap);
        }
    }

    private static Spooled hash(Path file, DataScanTap tap) throws IOException {
        MessageDigest sha = newDigest();
        byte[] head = new byte[2];
        int headLen = 0;
        long size = 0;
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            byte[] buf = new byte[BUFFER];
            int n;
            while ((n = in.read(buf)) >= 0) {
                for (int i = 0; i < n && headLen < 2; i++) {
                    head[headLen++] = buf[i];
                }
                size += n;
                if (tap != null) {
                    tap.write(buf, 0, n);
                }
            }
        }
        boolean gzip = headLen == 2 && isGzipMagic(head[0] & 0xff, head[1] & 0xff);
        NiftiValidator.DataScan scan = tap == null ? null : tap.finish();
        return new Spooled(file, HexFormat.of().formatHex(sha.digest()), size, gzip, scan);
    }

    /** True when a file with these first two bytes is gzip. */
    public static boolean isGzipMagic(int b0, int b1) {
        return b0 == 0x1f && b1 == 0x8b;
    }

    public void delete() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // a temp file; the OS cleans up eventually
        }
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
