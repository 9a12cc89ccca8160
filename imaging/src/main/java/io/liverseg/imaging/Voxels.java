package io.liverseg.imaging;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * Voxel values in a compact typed buffer: one Java primitive array in the storage type, so an int16 CT
 * stays two bytes per voxel until it is windowed. Unsigned types share the signed array of their width
 * and are widened on read. Values are raw (unscaled); {@link Volume} applies {@code scl_slope/scl_inter}.
 */
public final class Voxels {
    private final DataType type;
    private final int size;
    private final byte[] b;
    private final short[] s;
    private final int[] i;
    private final long[] l;
    private final float[] f;
    private final double[] d;

    private Voxels(DataType type, int size, byte[] b, short[] s, int[] i, long[] l, float[] f, double[] d) {
        this.type = type;
        this.size = size;
        this.b = b;
        this.s = s;
        this.i = i;
        this.l = l;
        this.f = f;
        this.d = d;
    }

    /** Zero-filled voxels of the given type. */
    public static Voxels allocate(DataType type, int size) {
        if (size < 0) {
            throw new IllegalArgumentException("negative voxel count " + size);
        }
        return switch (storage(type)) {
            case 1 -> new Voxels(type, size, new byte[size], null, null, null, null, null);
            case 2 -> new Voxels(type, size, null, new short[size], null, null, null, null);
            case 4 -> new Voxels(type, size, null, null, new int[size], null, null, null);
            case 8 -> new Voxels(type, size, null, null, null, new long[size], null, null);
            case 5 -> new Voxels(type, size, null, null, null, null, new float[size], null);
            default -> new Voxels(type, size, null, null, null, null, null, new double[size]);
        };
    }

    public static Voxels ofShorts(short[] values) {
        return new Voxels(DataType.INT16, values.length, null, values, null, null, null, null);
    }

    public static Voxels ofFloats(float[] values) {
        return new Voxels(DataType.FLOAT32, values.length, null, null, null, null, values, null);
    }

    /** Unsigned 8-bit voxels, the usual type of label maps. */
    public static Voxels ofUnsignedBytes(byte[] values) {
        return new Voxels(DataType.UINT8, values.length, values, null, null, null, null, null);
    }

    public DataType type() {
        return type;
    }

    public int size() {
        return size;
    }

    /** The raw value at a linear index, widened to double (uint64 above 2^63 keeps its unsigned value). */
    public double get(int index) {
        return switch (type) {
            case UINT8 -> b[index] & 0xFF;
            case INT8 -> b[index];
            case INT16 -> s[index];
            case UINT16 -> s[index] & 0xFFFF;
            case INT32 -> i[index];
            case UINT32 -> i[index] & 0xFFFFFFFFL;
            case INT64 -> l[index];
            case UINT64 -> unsignedLongToDouble(l[index]);
            case FLOAT32 -> f[index];
            case FLOAT64 -> d[index];
        };
    }

    /** The raw value as a long, exact for every integer type (uint64 above 2^63 wraps). */
    public long getLong(int index) {
        return switch (type) {
            case UINT8 -> b[index] & 0xFF;
            case INT8 -> b[index];
            case INT16 -> s[index];
            case UINT16 -> s[index] & 0xFFFF;
            case INT32 -> i[index];
            case UINT32 -> i[index] & 0xFFFFFFFFL;
            case INT64, UINT64 -> l[index];
            case FLOAT32 -> (long) f[index];
            case FLOAT64 -> (long) d[index];
        };
    }

    /** Stores a value, rounding to nearest and saturating for integer types. */
    public void set(int index, double value) {
        switch (type) {
            case UINT8 -> b[index] = (byte) clampRound(value, 0, 255);
            case INT8 -> b[index] = (byte) clampRound(value, Byte.MIN_VALUE, Byte.MAX_VALUE);
            case INT16 -> s[index] = (short) clampRound(value, Short.MIN_VALUE, Short.MAX_VALUE);
            case UINT16 -> s[index] = (short) clampRound(value, 0, 65535);
            case INT32 -> i[index] = (int) clampRound(value, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case UINT32 -> i[index] = (int) clampRound(value, 0, 4294967295L);
            case INT64 -> l[index] = Math.round(value);
            case UINT64 -> l[index] = value <= 0 ? 0 : value >= 0x1p63 ? (long) (value - 0x1p63) ^ Long.MIN_VALUE : Math.round(value);
            case FLOAT32 -> f[index] = (float) value;
            case FLOAT64 -> d[index] = value;
        }
    }

    /** Reads {@code size()} voxels from {@code src} in the given byte order, starting at its position. */
    public void readFrom(ByteBuffer src, ByteOrder order) {
        ByteBuffer buf = src.slice().order(order);
        switch (storage(type)) {
            case 1 -> buf.get(b, 0, size);
            case 2 -> buf.asShortBuffer().get(s, 0, size);
            case 4 -> buf.asIntBuffer().get(i, 0, size);
            case 8 -> buf.asLongBuffer().get(l, 0, size);
            case 5 -> buf.asFloatBuffer().get(f, 0, size);
            default -> buf.asDoubleBuffer().get(d, 0, size);
        }
        src.position(src.position() + size * type.bytes());
    }

    /** Reads voxels {@code [offset, offset + count)} from {@code src}, for streaming readers. */
    public void readFrom(ByteBuffer src, ByteOrder order, int offset, int count) {
        ByteBuffer buf = src.slice().order(order);
        switch (storage(type)) {
            case 1 -> buf.get(b, offset, count);
            case 2 -> buf.asShortBuffer().get(s, offset, count);
            case 4 -> buf.asIntBuffer().get(i, offset, count);
            case 8 -> buf.asLongBuffer().get(l, offset, count);
            case 5 -> buf.asFloatBuffer().get(f, offset, count);
            default -> buf.asDoubleBuffer().get(d, offset, count);
        }
        src.position(src.position() + count * type.bytes());
    }

    /** Writes voxels {@code [offset, offset + count)} into {@code dst} in the given byte order. */
    public void writeTo(ByteBuffer dst, ByteOrder order, int offset, int count) {
        ByteBuffer buf = dst.slice().order(order);
        switch (storage(type)) {
            case 1 -> buf.put(b, offset, count);
            case 2 -> buf.asShortBuffer().put(s, offset, count);
            case 4 -> buf.asIntBuffer().put(i, offset, count);
            case 8 -> buf.asLongBuffer().put(l, offset, count);
            case 5 -> buf.asFloatBuffer().put(f, offset, count);
            default -> buf.asDoubleBuffer().put(d, offset, count);
        }
        dst.position(dst.position() + count * type.bytes());
    }

    /**
     * Copies {@code count} voxels of the same type from {@code src}, reading at {@code srcStart},
     * {@code srcStart + srcStride}, ... (the stride may be negative) and writing contiguously from
     * {@code dstStart}. Exact for every type; the building block of axis permutations and flips.
     */
    public void copyStrided(Voxels src, int srcStart, int srcStride, int dstStart, int count) {
        if (src.type != type) {
            throw new IllegalArgumentException("type mismatch: " + src.type + " into " + type);
        }
        int si = srcStart;
        int end = dstStart + count;
        switch (storage(type)) {
            case 1 -> { for (int o = dstStart; o < end; o++, si += srcStride) { b[o] = src.b[si]; } }
            case 2 -> { for (int o = dstStart; o < end; o++, si += srcStride) { s[o] = src.s[si]; } }
            case 4 -> { for (int o = dstStart; o < end; o++, si += srcStride) { i[o] = src.i[si]; } }
            case 8 -> { for (int o = dstStart; o < end; o++, si += srcStride) { l[o] = src.l[si]; } }
            case 5 -> { for (int o = dstStart; o < end; o++, si += srcStride) { f[o] = src.f[si]; } }
            default -> { for (int o = dstStart; o < end; o++, si += srcStride) { d[o] = src.d[si]; } }
        }
    }

    /** The backing array for int16 voxels (no copy), for hot loops. */
    public short[] shortArray() {
        return Objects.requireNonNull(s, () -> "not 16-bit voxels: " + type);
    }

    /** The backing array for float32 voxels (no copy), for hot loops. */
    public float[] floatArray() {
        return Objects.requireNonNull(f, () -> "not float32 voxels: " + type);
    }

    /** The backing array for 8-bit voxels (no copy), for hot loops. */
    public byte[] byteArray() {
        return Objects.requireNonNull(b, () -> "not 8-bit voxels: " + type);
    }

    /** Size in bytes of the voxels as stored. */
    public long byteSize() {
        return (long) size * type.bytes();
    }

    public Voxels copy() {
        return new Voxels(type, size,
                b == null ? null : b.clone(), s == null ? null : s.clone(), i == null ? null : i.clone(),
                l == null ? null : l.clone(), f == null ? null : f.clone(), d == null ? null : d.clone());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Voxels v && v.type == type && v.size == size
                && Arrays.equals(b, v.b) && Arrays.equals(s, v.s) && Arrays.equals(i, v.i)
                && Arrays.equals(l, v.l) && Arrays.equals(f, v.f) && Arrays.equals(d, v.d);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, size);
    }

    /** Which primitive array holds a type: its byte width for integers, 5 for float, 9 for double. */
    private static int storage(DataType t) {
        return t.isFloating() ? (t.bytes() == 4 ? 5 : 9) : t.bytes();
    }

    private static long clampRound(double v, long lo, long hi) {
        if (Double.isNaN(v)) {
            return 0;
        }
        long r = Math.round(v);
        return Math.max(lo, Math.min(hi, r));
    }

    private static double unsignedLongToDouble(long v) {
        return v >= 0 ? v : ((v >>> 1) | (v & 1)) * 2.0;
    }
}
