package io.liverseg.imaging.preprocess;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;

/**
 * The compact binary formats of the streaming mesh's claim-check objects: a preprocessed slice batch
 * ({@code .lsb}, the network input) and a predicted mask part ({@code .lsm}). Both are a small fixed
 * little-endian header followed by a compressed body whose corruption is detected, not silently decoded: a
 * batch's body is an LZ4 block checked by a CRC-32C of the raw bytes, a mask part's is zlib (deflate +
 * Adler-32). Values are stored exactly (float32 bit patterns, uint8 labels): a batch decoded from an
 * {@code .lsb} is bit-identical to the one encoded, so prediction on it equals prediction in memory. Encoding is
 * deterministic: the same batch always gives the same bytes (with the same LZ4 implementation; lz4-java's JNI
 * one where it has natives, as on linux-x86_64).
 *
 * <pre>
 * .lsb  0  magic "LSB1"                   .lsm  0  magic "LSM1"
 *       4  int32 version=3                       4  int32 version=1
 *       8  int32 first_slice                     8  int32 first_slice
 *      12  int32 count                          12  int32 count
 *      16  int32 channels                       16  int32 height
 *      20  int32 height                         20  int32 width
 *      24  int32 width                          24  int64 predict_ms     (time the prediction took)
 *      28  int32 layout (0 all planes, 1 shared) 32  int64 preprocess_ms (as the batch's event said)
 *      32  int32 crc32c of the raw body         40  zlib(uint8 labels, N×H×W row-major)
 *      36  int32 compressed_length
 *      40  lz4 block(float32 LE planes)
 * </pre>
 *
 * <p>Layout 0 stores the batch as NCHW. Layout 1 holds a 3-channel batch of adjacent slices
 * ({@link SlicePreprocessor}'s layout: channel 0 the slice below, 1 the slice, 2 the slice above) as its N + 2
 * distinct planes, H×W each, from the plane below the first slice to the plane above the last: input n, channel c
 * is plane n + c. The encoder uses it whenever a 3-channel batch has that structure, so adjacent-slice models cost
 * the mesh about as much storage and bandwidth as single-slice ones; decoding restores the full NCHW batch.
 *
 * <p>Versions 1 (NCHW) and 2 (shared planes) had the 28-byte header and a zlib body; they are still read, so that
 * batches written before an upgrade are not lost. LZ4 replaced zlib because deflating and inflating the batches
 * cost the 2-core machine ≈ 0.7 s of CPU a 300-slice scan beside the forward passes (encode 450 ms, decode
 * 210 ms for both tasks' batches; LZ4 ≈ 90 and 40 ms, for 1.4× the bytes).
 */
public final class SliceBatchCodec {
    /** File name extension of a slice batch. */
    public static final String BATCH_EXTENSION = ".lsb";
    /** File name extension of a mask part. */
    public static final String MASK_EXTENSION = ".lsm";
    /** Version of an {@code .lsm} mask part; of a legacy zlib {@code .lsb} storing every plane (still read). */
    public static final int VERSION = 1;
    /** Version of a legacy zlib {@code .lsb} storing a 3-channel adjacent-slice batch's distinct planes (read). */
    public static final int VERSION_SHARED_PLANES = 2;
    /** Version of the {@code .lsb} written now: layout field, LZ4 body, CRC-32C. */
    public static final int VERSION_LZ4 = 3;
    /** {@code .lsb} layout: every plane of the NCHW batch. */
    public static final int LAYOUT_ALL_PLANES = 0;
    /** {@code .lsb} layout: the N + 2 distinct planes of a 3-channel adjacent-slice batch. */
    public static final int LAYOUT_SHARED_PLANES = 1;

    static final byte[] BATCH_MAGIC = "LSB1".getBytes(StandardCharsets.US_ASCII);
    static final byte[] MASK_MAGIC = "LSM1".getBytes(StandardCharsets.US_ASCII);
    /** Header of the legacy zlib versions 1 and 2. */
    static final int BATCH_HEADER = 28;
    /** Header of version 3. */
    static final int BATCH_HEADER_LZ4 = 40;
    /** LZ4 never expands less than this ratio can explain (its maximum is ≈ 255); a header claiming more is corrupt. */
    private static final long MAX_LZ4_RATIO = 256;
    private static final LZ4Factory LZ4 = lz4();
    static final int MASK_HEADER = 40;
    /** Deflate never expands less than this ratio can explain; a header claiming more is corrupt. */
    private static final long MAX_INFLATE_RATIO = 1100;
    /** Fast level: labels compress well at any level. */
    private static final int LEVEL = Deflater.BEST_SPEED;

    private SliceBatchCodec() {
    }

    /**
     * Predicted labels of one batch of canonical slices.
     *
     * @param firstSlice   canonical index of the first slice
     * @param count        slices
     * @param height       rows per slice (the network's target size)
     * @param width        columns per slice
     * @param labels       {@code count × height × width} labels, row-major per slice
     * @param predictMs    time the prediction of this batch took, ms
     * @param preprocessMs preprocessing time reported with the batch, ms
     */
    public record MaskPart(int firstSlice, int count, int height, int width, byte[] labels, long predictMs,
                           long preprocessMs) {
        public MaskPart {
            if (firstSlice < 0 || count < 1 || height < 1 || width < 1) {
                throw new IllegalArgumentException("bad mask part geometry: first " + firstSlice + ", count " + count
                        + ", " + height + "x" + width);
            }
            if ((long) count * height * width != labels.length) {
                throw new IllegalArgumentException("labels length " + labels.length + " != " + count + "x" + height
                        + "x" + width);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof MaskPart p && p.firstSlice == firstSlice && p.count == count && p.height == height
                    && p.width == width && p.predictMs == predictMs && p.preprocessMs == preprocessMs
                    && Arrays.equals(p.labels, labels);
        }

        @Override
        public int hashCode() {
            return ((firstSlice * 31 + count) * 31 + height) * 31 + width + 17 * Arrays.hashCode(labels);
        }

        @Override
        public String toString() {
            return "MaskPart[first=" + firstSlice + ", count=" + count + ", " + height + "x" + width + "]";
        }
    }

    /** Encodes a slice batch as {@code .lsb} (version 3). */
    public static byte[] encode(SliceBatch b) {
        if (b.firstSlice() < 0) {
            throw new IllegalArgumentException("firstSlice must be >= 0, got " + b.firstSlice());
        }
        boolean shared = sharesPlanes(b);
        float[] data = b.data();
        int plane = b.height() * b.width();
        int floats = shared ? (b.count() + 2) * plane : data.length;
        ByteBuffer raw = ByteBuffer.allocate(Math.multiplyExact(floats, Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        java.nio.FloatBuffer out = raw.asFloatBuffer();
        if (shared) {
            // the plane below the first slice, every slice's own plane, the plane above the last slice
            out.put(0, data, 0, plane);
            for (int n = 0; n < b.count(); n++) {
                out.put((n + 1) * plane, data, (n * 3 + 1) * plane, plane);
            }
            out.put((b.count() + 1) * plane, data, ((b.count() - 1) * 3 + 2) * plane, plane);
        } else {
            out.put(data);
        }
        byte[] body = raw.array();
        LZ4Compressor compressor = LZ4.fastCompressor();
        byte[] bytes = new byte[BATCH_HEADER_LZ4 + compressor.maxCompressedLength(body.length)];
        int compressed = compressor.compress(body, 0, body.length, bytes, BATCH_HEADER_LZ4,
                bytes.length - BATCH_HEADER_LZ4);
        ByteBuffer.wrap(bytes, 0, BATCH_HEADER_LZ4).order(ByteOrder.LITTLE_ENDIAN)
                .put(BATCH_MAGIC).putInt(VERSION_LZ4).putInt(b.firstSlice()).putInt(b.count()).putInt(b.channels())
                .putInt(b.height()).putInt(b.width()).putInt(shared ? LAYOUT_SHARED_PLANES : LAYOUT_ALL_PLANES)
                .putInt(crc32c(body)).putInt(compressed);
        return Arrays.copyOf(bytes, BATCH_HEADER_LZ4 + compressed);
    }

    /** Whether each input's lower and upper channels are its neighbours' centre planes, bit for bit. */
    static boolean sharesPlanes(SliceBatch b) {
        if (b.channels() != 3) {
            return false;
        }
        int plane = b.height() * b.width();
        float[] d = b.data();
        for (int n = 0; n + 1 < b.count(); n++) {
            if (!samePlane(d, (n * 3 + 1) * plane, ((n + 1) * 3) * plane, plane)
                    || !samePlane(d, (n * 3 + 2) * plane, ((n + 1) * 3 + 1) * plane, plane)) {
                return false;
            }
        }
        return true;
    }

    private static boolean samePlane(float[] d, int a, int b, int length) {
        for (int i = 0; i < length; i++) {
            if (Float.floatToRawIntBits(d[a + i]) != Float.floatToRawIntBits(d[b + i])) {
                return false;
            }
        }
        return true;
    }

    /** Encodes a mask part as {@code .lsm}. */
    public static byte[] encode(MaskPart p) {
        ByteBuffer head = ByteBuffer.allocate(MASK_HEADER).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MASK_MAGIC).putInt(VERSION).putInt(p.firstSlice()).putInt(p.count()).putInt(p.height())
                .putInt(p.width()).putLong(p.predictMs()).putLong(p.preprocessMs());
        return deflate(head.array(), p.labels());
    }

    /** Decodes an {@code .lsb} (any version); its values are bit-identical to those encoded. */
    public static SliceBatch decodeBatch(byte[] bytes) throws SliceCodecException {
        ByteBuffer h = header(bytes, BATCH_MAGIC, BATCH_HEADER, ".lsb slice batch", VERSION, VERSION_LZ4);
        int version = h.getInt(4);
        boolean lz4 = version == VERSION_LZ4;
        if (lz4 && bytes.length < BATCH_HEADER_LZ4) {
            throw new SliceCodecException("header", "truncated: " + bytes.length + " bytes, a version " + VERSION_LZ4
                    + " .lsb slice batch header alone has " + BATCH_HEADER_LZ4);
        }
        h = ByteBuffer.wrap(bytes, 0, lz4 ? BATCH_HEADER_LZ4 : BATCH_HEADER).order(ByteOrder.LITTLE_ENDIAN);
        boolean shared;
        if (lz4) {
            int layout = h.getInt(28);
            if (layout != LAYOUT_ALL_PLANES && layout != LAYOUT_SHARED_PLANES) {
                throw new SliceCodecException("layout", "layout " + layout + " is not " + LAYOUT_ALL_PLANES + " or "
                        + LAYOUT_SHARED_PLANES);
            }
            shared = layout == LAYOUT_SHARED_PLANES;
        } else {
            shared = version == VERSION_SHARED_PLANES;
        }
        int first = nonNegative(h.getInt(8), "first_slice");
        int count = positive(h.getInt(12), "count");
        int channels = positive(h.getInt(16), "channels");
        int height = positive(h.getInt(20), "height");
        int width = positive(h.getInt(24), "width");
        if (shared && channels != 3) {
            throw new SliceCodecException("channels", "a batch of shared planes has 3 channels, not " + channels);
        }
        long values = (long) count * channels * height * width;
        if (values * Float.BYTES > Integer.MAX_VALUE - 8) {
            throw new SliceCodecException("count", count + "x" + channels + "x" + height + "x" + width
                    + " floats do not fit one batch");
        }
        int plane = height * width;
        long stored = shared ? (long) (count + 2) * plane : values;
        byte[] raw = lz4 ? decompressLz4(bytes, h, (int) (stored * Float.BYTES))
                : inflate(bytes, BATCH_HEADER, (int) (stored * Float.BYTES));
        float[] data = new float[(int) values];
        java.nio.FloatBuffer in = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        if (shared) {
            for (int n = 0; n < count; n++) {
                for (int c = 0; c < 3; c++) {
                    in.get((n + c) * plane, data, (n * 3 + c) * plane, plane);
                }
            }
        } else {
            in.get(data);
        }
        return new SliceBatch(first, count, channels, height, width, data);
    }

    /** The raw body of a version 3 batch: exactly {@code expected} bytes whose CRC-32C the header holds. */
    private static byte[] decompressLz4(byte[] bytes, ByteBuffer h, int expected) throws SliceCodecException {
        int compressed = h.getInt(36);
        long follow = bytes.length - BATCH_HEADER_LZ4;
        if (compressed < 0 || compressed > follow) {
            throw new SliceCodecException("data", "truncated: the header announces " + compressed
                    + " compressed bytes but " + follow + " follow");
        }
        if (compressed < follow) {
            throw new SliceCodecException("data", (follow - compressed) + " unexpected bytes after the compressed data");
        }
        if (expected > compressed * MAX_LZ4_RATIO + 64) {
            throw new SliceCodecException("data", "the header announces " + expected + " bytes but only " + compressed
                    + " compressed bytes follow: truncated or corrupt");
        }
        byte[] raw = new byte[expected];
        int n;
        try {
            n = LZ4.safeDecompressor().decompress(bytes, BATCH_HEADER_LZ4, compressed, raw, 0, expected);
        } catch (LZ4Exception e) {
            throw new SliceCodecException("data", "corrupt compressed data: " + e.getMessage(), e);
        }
        if (n != expected) {
            throw new SliceCodecException("data", "truncated: " + n + " of " + expected
                    + " bytes decompressed before the data ended");
        }
        if (crc32c(raw) != h.getInt(32)) {
            throw new SliceCodecException("data", "corrupt: the data's CRC-32C differs from the header's");
        }
        return raw;
    }

    private static int crc32c(byte[] b) {
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length);
        return (int) crc.getValue();
    }

    /** Decodes an {@code .lsm}. */
    public static MaskPart decodeMask(byte[] bytes) throws SliceCodecException {
        ByteBuffer h = header(bytes, MASK_MAGIC, MASK_HEADER, ".lsm mask part", VERSION, VERSION);
        int first = nonNegative(h.getInt(8), "first_slice");
        int count = positive(h.getInt(12), "count");
        int height = positive(h.getInt(16), "height");
        int width = positive(h.getInt(20), "width");
        long predictMs = h.getLong(24);
        long preprocessMs = h.getLong(32);
        long values = (long) count * height * width;
        if (values > Integer.MAX_VALUE - 8) {
            throw new SliceCodecException("count", count + "x" + height + "x" + width + " labels do not fit one part");
        }
        byte[] labels = inflate(bytes, MASK_HEADER, (int) values);
        return new MaskPart(first, count, height, width, labels, predictMs, preprocessMs);
    }

    private static ByteBuffer header(byte[] bytes, byte[] magic, int size, String what, int minVersion, int maxVersion)
            throws SliceCodecException {
        if (bytes == null || bytes.length < magic.length) {
            throw new SliceCodecException("magic", "only " + (bytes == null ? 0 : bytes.length)
                    + " bytes: too short for a " + what);
        }
        if (!Arrays.equals(bytes, 0, magic.length, magic, 0, magic.length)) {
            throw new SliceCodecException("magic", "starts with " + printable(bytes) + ", not '"
                    + new String(magic, StandardCharsets.US_ASCII) + "': not a " + what);
        }
        if (bytes.length < size) {
            throw new SliceCodecException("header", "truncated: " + bytes.length + " bytes, the " + what
                    + " header alone has " + size);
        }
        ByteBuffer h = ByteBuffer.wrap(bytes, 0, size).order(ByteOrder.LITTLE_ENDIAN);
        int version = h.getInt(4);
        if (version < minVersion || version > maxVersion) {
            throw new SliceCodecException("version", "version " + version + " is not supported (this code reads "
                    + (minVersion == maxVersion ? String.valueOf(minVersion) : minVersion + " to " + maxVersion) + ")");
        }
        return h;
    }

    private static int positive(int v, String field) throws SliceCodecException {
        if (v < 1) {
            throw new SliceCodecException(field, "must be at least 1, got " + v);
        }
        return v;
    }

    private static int nonNegative(int v, String field) throws SliceCodecException {
        if (v < 0) {
            throw new SliceCodecException(field, "must be >= 0, got " + v);
        }
        return v;
    }

    private static byte[] deflate(byte[] head, byte[] body) {
        Deflater d = new Deflater(LEVEL);
        try {
            d.setInput(body);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(head.length + body.length / 2 + 64);
            out.write(head, 0, head.length);
            byte[] buf = new byte[64 * 1024];
            while (!d.finished()) {
                int n = d.deflate(buf);
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    private static byte[] inflate(byte[] bytes, int offset, int expected) throws SliceCodecException {
        long compressed = bytes.length - offset;
        if (expected > compressed * MAX_INFLATE_RATIO + 64) {
            throw new SliceCodecException("data", "the header announces " + expected + " bytes but only " + compressed
                    + " compressed bytes follow: truncated or corrupt");
        }
        byte[] out = new byte[expected];
        Inflater inf = new Inflater();
        try {
            inf.setInput(bytes, offset, bytes.length - offset);
            int filled = 0;
            while (filled < expected) {
                int n = inf.inflate(out, filled, expected - filled);
                filled += n;
                if (n == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
            }
            if (filled < expected) {
                throw new SliceCodecException("data", "truncated: " + filled + " of " + expected
                        + " bytes decompressed before the data ended");
            }
            if (!inf.finished()) {
                // every byte is there; the stream must end now, with its checksum
                byte[] probe = new byte[1];
                int extra = inf.inflate(probe);
                if (extra > 0) {
                    throw new SliceCodecException("data", "more than the " + expected + " bytes the header announces");
                }
                if (!inf.finished()) {
                    throw new SliceCodecException("data", "truncated: the compressed stream ends before its checksum");
                }
            }
            if (inf.getRemaining() > 0) {
                throw new SliceCodecException("data", inf.getRemaining() + " unexpected bytes after the compressed data");
            }
            return out;
        } catch (DataFormatException e) {
            throw new SliceCodecException("data", "corrupt compressed data: " + e.getMessage(), e);
        } finally {
            inf.end();
        }
    }

    private static String printable(byte[] b) {
        StringBuilder s = new StringBuilder("'");
        for (int i = 0; i < Math.min(4, b.length); i++) {
            int c = b[i] & 0xFF;
            s.append(c >= 32 && c < 127 ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return s.append('\'').toString();
    }

    /**
     * The LZ4 implementation the codec uses: {@code "LZ4Factory:JNI"} where lz4-java has natives for this platform
     * (linux-x86_64 among them), else its pure-Java one.
     */
    public static String lz4Implementation() {
        return LZ4.toString();
    }

    /**
     * lz4-java's JNI build, else its fastest Java one. Not {@link LZ4Factory#fastestInstance()}: that tries the
     * natives only when lz4-java was loaded by the system class loader, so in a Quarkus service (its own class
     * loader) it fell back to the pure-Java codec: ≈ 1.6× the compression and 5× the decompression time, and
     * 17 % more bytes, for a batch of the benchmark's CT (BENCHMARKS.md §3, session 15).
     */
    static LZ4Factory lz4() {
        try {
            return LZ4Factory.nativeInstance();
        } catch (Throwable noNatives) {
            // UnsatisfiedLinkError, or an error initialising the natives' loader: the Java codec reads and writes
            // the same format
            return LZ4Factory.fastestJavaInstance();
        }
    }
}
