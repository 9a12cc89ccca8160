package io.liverseg.imaging.nifti;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/** Byte layout of the NIfTI-1 and NIfTI-2 headers: decoding, validation and encoding. */
final class HeaderCodec {
    static final int NIFTI1_SIZE = 348;
    static final int NIFTI2_SIZE = 540;
    /** The 8-byte NIfTI-2 magic ends with these 4 bytes, which catch text-mode (CR/LF) corruption. */
    private static final byte[] NIFTI2_TAIL = {0x0d, 0x0a, 0x1a, 0x0a};

    private HeaderCodec() {
    }

    /** The version (1 or 2) and byte order a sizeof_hdr word identifies, or null when it is neither 348 nor 540. */
    static Object[] sniff(byte[] first4) {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            int v = ByteBuffer.wrap(first4).order(order).getInt(0);
            if (v == NIFTI1_SIZE) {
                return new Object[] {1, order};
            }
            if (v == NIFTI2_SIZE) {
                return new Object[] {2, order};
            }
        }
        return null;
    }

    /** Decodes a full header (348 or 540 bytes); checks magic and vox_offset's representation. */
    static NiftiHeader.Builder decode(byte[] raw, int version, ByteOrder order, Path file) throws NiftiException {
        ByteBuffer bb = ByteBuffer.wrap(raw).order(order);
        NiftiHeader.Builder b = NiftiHeader.builder().byteOrder(order);
        if (version == 1) {
            String magic = magic1(raw, file);
            b.magic(magic);
            b.dataTypeName(Arrays.copyOfRange(raw, 4, 14));
            b.dbName(Arrays.copyOfRange(raw, 14, 32));
            b.extents(bb.getInt(32));
            b.sessionError(bb.getShort(36));
            b.regular(raw[38] & 0xff);
            b.dimInfo(raw[39] & 0xff);
            long[] dim = new long[8];
            for (int i = 0; i < 8; i++) {
                dim[i] = bb.getShort(40 + 2 * i);
            }
            b.dim(dim);
            b.intentP1(bb.getFloat(56)).intentP2(bb.getFloat(60)).intentP3(bb.getFloat(64));
            b.intentCode(bb.getShort(68));
            b.datatype(bb.getShort(70));
            b.bitpix(bb.getShort(72));
            b.sliceStart(bb.getShort(74));
            double[] pixdim = new double[8];
            for (int i = 0; i < 8; i++) {
                pixdim[i] = bb.getFloat(76 + 4 * i);
            }
            b.pixdim(pixdim);
            float voxOffset = bb.getFloat(108);
            if (!(voxOffset >= 0) || voxOffset > 0x1p62f || voxOffset != Math.rint(voxOffset)) {
                throw new NiftiException(file, "vox_offset", "vox_offset " + voxOffset
                        + " is not a non-negative whole number of bytes");
            }
            b.voxOffset((long) voxOffset);
            b.sclSlope(bb.getFloat(112)).sclInter(bb.getFloat(116));
            b.sliceEnd(bb.getShort(120));
            b.sliceCode(raw[122] & 0xff);
            b.xyztUnits(raw[123] & 0xff);
            b.calMax(bb.getFloat(124)).calMin(bb.getFloat(128));
            b.sliceDuration(bb.getFloat(132)).toffset(bb.getFloat(136));
            b.glmax(bb.getInt(140)).glmin(bb.getInt(144));
            b.descripBytes(Arrays.copyOfRange(raw, 148, 228));
            b.auxFileBytes(Arrays.copyOfRange(raw, 228, 252));
            b.qformCode(bb.getShort(252)).sformCode(bb.getShort(254));
            b.quatern(bb.getFloat(256), bb.getFloat(260), bb.getFloat(264));
            b.qoffset(bb.getFloat(268), bb.getFloat(272), bb.getFloat(276));
            b.srow(floats(bb, 280, 4), floats(bb, 296, 4), floats(bb, 312, 4));
            b.intentNameBytes(Arrays.copyOfRange(raw, 328, 344));
        } else {
            String magic = magic2(raw, file);
            b.magic(magic);
            b.datatype(bb.getShort(12));
            b.bitpix(bb.getShort(14));
            long[] dim = new long[8];
            for (int i = 0; i < 8; i++) {
                dim[i] = bb.getLong(16 + 8 * i);
            }
            b.dim(dim);
            b.intentP1(bb.getDouble(80)).intentP2(bb.getDouble(88)).intentP3(bb.getDouble(96));
            b.pixdim(doubles(bb, 104, 8));
            long voxOffset = bb.getLong(168);
            if (voxOffset < 0) {
                throw new NiftiException(file, "vox_offset", "vox_offset " + voxOffset + " is negative");
            }
            b.voxOffset(voxOffset);
            b.sclSlope(bb.getDouble(176)).sclInter(bb.getDouble(184));
            b.calMax(bb.getDouble(192)).calMin(bb.getDouble(200));
            b.sliceDuration(bb.getDouble(208)).toffset(bb.getDouble(216));
            b.sliceStart(bb.getLong(224)).sliceEnd(bb.getLong(232));
            b.descripBytes(Arrays.copyOfRange(raw, 240, 320));
            b.auxFileBytes(Arrays.copyOfRange(raw, 320, 344));
            b.qformCode(bb.getInt(344)).sformCode(bb.getInt(348));
            b.quatern(bb.getDouble(352), bb.getDouble(360), bb.getDouble(368));
            b.qoffset(bb.getDouble(376), bb.getDouble(384), bb.getDouble(392));
            b.srow(doubles(bb, 400, 4), doubles(bb, 432, 4), doubles(bb, 464, 4));
            b.sliceCode(bb.getInt(496));
            b.xyztUnits(bb.getInt(500));
            b.intentCode(bb.getInt(504));
            b.intentNameBytes(Arrays.copyOfRange(raw, 508, 524));
            b.dimInfo(raw[524] & 0xff);
        }
        return b;
    }

    private static String magic1(byte[] raw, Path file) throws NiftiException {
        byte[] m = Arrays.copyOfRange(raw, 344, 348);
        String s = new String(m, 0, 3, StandardCharsets.ISO_8859_1);
        if (m[3] == 0 && (s.equals("n+1") || s.equals("ni1"))) {
            return s;
        }
        if (m[3] == 0 && (s.equals("n+2") || s.equals("ni2"))) {
            throw new NiftiException(file, "magic", "magic '" + s + "' is NIfTI-2 but sizeof_hdr is 348 (NIfTI-1)");
        }
        throw new NiftiException(file, "magic", "magic " + printable(m)
                + " is not a NIfTI-1 magic (n+1 or ni1); ANALYZE 7.5 and other formats are not read");
    }

    private static String magic2(byte[] raw, Path file) throws NiftiException {
        byte[] m = Arrays.copyOfRange(raw, 4, 12);
        String s = new String(m, 0, 3, StandardCharsets.ISO_8859_1);
        if (m[3] != 0 || !(s.equals("n+2") || s.equals("ni2"))) {
            throw new NiftiException(file, "magic", "magic " + printable(m)
                    + " is not a NIfTI-2 magic (n+2 or ni2) although sizeof_hdr is 540");
        }
        if (!Arrays.equals(Arrays.copyOfRange(m, 4, 8), NIFTI2_TAIL)) {
            throw new NiftiException(file, "magic", "NIfTI-2 magic " + printable(m)
                    + " lacks its \\r\\n\\032\\n tail: the file was probably corrupted by a text-mode transfer");
        }
        return s;
    }

    private static String printable(byte[] m) {
        StringBuilder sb = new StringBuilder("'");
        for (byte x : m) {
            int c = x & 0xff;
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return sb.append('\'').toString();
    }

    private static double[] floats(ByteBuffer bb, int at, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = bb.getFloat(at + 4 * i);
        }
        return v;
    }

    private static double[] doubles(ByteBuffer bb, int at, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = bb.getDouble(at + 8 * i);
        }
        return v;
    }

    /**
     * Checks what a reader relies on: dim, datatype, bitpix, vox_offset (for single files) and the
     * geometry the affine is built from. Returns the voxel type.
     */
    static DataType validate(NiftiHeader h, Path file) throws NiftiException {
        long[] dim = h.dim();
        if (dim[0] < 1 || dim[0] > 7) {
            throw new NiftiException(file, "dim", "dim[0] = " + dim[0] + " must be 1 to 7 (dim = "
                    + Arrays.toString(dim) + ")");
        }
        int n = (int) dim[0];
        for (int i = 1; i <= n; i++) {
            if (dim[i] < 1) {
                throw new NiftiException(file, "dim", "dim[" + i + "] = " + dim[i] + " must be positive (dim = "
                        + Arrays.toString(dim) + ")");
            }
        }
        for (int i = 5; i <= n; i++) {
            if (dim[i] != 1) {
                throw new NiftiException(file, "dim", "dim[" + i + "] = " + dim[i]
                        + ": images with more than 4 dimensions are not supported (dim = " + Arrays.toString(dim) + ")");
            }
        }
        Optional<DataType> type = DataType.fromNiftiCode(h.datatype());
        if (type.isEmpty()) {
            throw new NiftiException(file, "datatype", "unsupported datatype " + h.datatype()
                    + " (supported: uint8, int8, int16, uint16, int32, uint32, int64, uint64, float32, float64)");
        }
        if (h.bitpix() != type.get().bytes() * 8) {
            throw new NiftiException(file, "bitpix", "bitpix " + h.bitpix() + " does not match datatype "
                    + h.datatype() + " (" + type.get() + ", " + type.get().bytes() * 8 + " bits)");
        }
        if (h.isSingleFile() && h.voxOffset() < h.sizeofHdr()) {
            throw new NiftiException(file, "vox_offset", "vox_offset " + h.voxOffset()
                    + " points inside the " + h.sizeofHdr() + "-byte header");
        }
        checkGeometry(h, file);
        return type.get();
    }

    /** Voxel count from dim, checked against overflow, the limits and the largest Java array. */
    static long voxelCount(NiftiHeader h, ReadLimits limits, Path file) throws NiftiException {
        long[] dim = h.dim();
        long count = 1;
        for (int i = 1; i <= dim[0]; i++) {
            if (count > Long.MAX_VALUE / dim[i]) {
                throw new NiftiException(file, "dim", "dim " + Arrays.toString(dim)
                        + " has more voxels than a long can count");
            }
            count *= dim[i];
        }
        if (count > ReadLimits.MAX_ARRAY_LENGTH) {
            throw new NiftiException(file, "dim", "dim " + Arrays.toString(dim) + " has " + count
                    + " voxels, more than a Java array holds (" + ReadLimits.MAX_ARRAY_LENGTH + ")");
        }
        if (count > limits.maxVoxels()) {
            throw new NiftiException(file, "dim", "dim " + Arrays.toString(dim) + " has " + count
                    + " voxels, more than the limit maxVoxels = " + limits.maxVoxels());
        }
        return count;
    }

    private static void checkGeometry(NiftiHeader h, Path file) throws NiftiException {
        if (h.sformCode() > 0) {
            finite(file, "srow_x", h.srowX());
            finite(file, "srow_y", h.srowY());
            finite(file, "srow_z", h.srowZ());
        } else if (h.qformCode() > 0) {
            finite(file, "quatern_b", h.quaternB());
            finite(file, "quatern_c", h.quaternC());
            finite(file, "quatern_d", h.quaternD());
            finite(file, "qoffset_x", h.qoffsetX());
            finite(file, "qoffset_y", h.qoffsetY());
            finite(file, "qoffset_z", h.qoffsetZ());
        }
        Affine a = h.affine();
        for (double v : a.toArray()) {
            if (!Double.isFinite(v)) {
                throw new NiftiException(file, h.sformCode() > 0 ? "srow_x" : h.qformCode() > 0 ? "quatern_b" : "pixdim",
                        "the voxel-to-world affine is not finite: " + a);
            }
        }
    }

    private static void finite(Path file, String field, double... values) throws NiftiException {
        for (double v : values) {
            if (!Double.isFinite(v)) {
                throw new NiftiException(file, field, field + " " + Arrays.toString(values) + " is not finite");
            }
        }
    }

    /**
     * The header bytes as written: the 348/540-byte header, the 4 extender bytes and the extensions,
     * each padded to a multiple of 16. {@code voxOffset} goes into the header as given.
     */
    static byte[] encode(NiftiHeader h, boolean singleFile, long voxOffset) {
        int size = h.sizeofHdr();
        long total = size + 4L;
        for (NiftiExtension e : h.extensions()) {
            total += e.esize();
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("extensions too large: " + total + " bytes");
        }
        ByteBuffer bb = ByteBuffer.allocate((int) total).order(h.byteOrder());
        String magic = (singleFile ? "n+" : "ni") + h.version();
        if (h.version() == 1) {
            bb.putInt(0, NIFTI1_SIZE);
            put(bb, 4, h.dataTypeName());
            put(bb, 14, h.dbName());
            bb.putInt(32, h.extents());
            bb.putShort(36, toShort(h.sessionError(), "session_error"));
            bb.put(38, toByte(h.regular(), "regular"));
            bb.put(39, toByte(h.dimInfo(), "dim_info"));
            long[] dim = h.dim();
            for (int i = 0; i < 8; i++) {
                bb.putShort(40 + 2 * i, toShort(dim[i], "dim"));
            }
            bb.putFloat(56, (float) h.intentP1()).putFloat(60, (float) h.intentP2()).putFloat(64, (float) h.intentP3());
            bb.putShort(68, toShort(h.intentCode(), "intent_code"));
            bb.putShort(70, toShort(h.datatype(), "datatype"));
            bb.putShort(72, toShort(h.bitpix(), "bitpix"));
            bb.putShort(74, toShort(h.sliceStart(), "slice_start"));
            double[] pixdim = h.pixdim();
            for (int i = 0; i < 8; i++) {
                bb.putFloat(76 + 4 * i, (float) pixdim[i]);
            }
            if ((long) (float) voxOffset != voxOffset) {
                throw new IllegalArgumentException("vox_offset " + voxOffset + " is not exact as a NIfTI-1 float");
            }
            bb.putFloat(108, voxOffset);
            bb.putFloat(112, (float) h.sclSlope()).putFloat(116, (float) h.sclInter());
            bb.putShort(120, toShort(h.sliceEnd(), "slice_end"));
            bb.put(122, toByte(h.sliceCode(), "slice_code"));
            bb.put(123, toByte(h.xyztUnits(), "xyzt_units"));
            bb.putFloat(124, (float) h.calMax()).putFloat(128, (float) h.calMin());
            bb.putFloat(132, (float) h.sliceDuration()).putFloat(136, (float) h.toffset());
            bb.putInt(140, h.glmax()).putInt(144, h.glmin());
            put(bb, 148, h.descripBytes());
            put(bb, 228, h.auxFileBytes());
            bb.putShort(252, toShort(h.qformCode(), "qform_code"));
            bb.putShort(254, toShort(h.sformCode(), "sform_code"));
            bb.putFloat(256, (float) h.quaternB()).putFloat(260, (float) h.quaternC()).putFloat(264, (float) h.quaternD());
            bb.putFloat(268, (float) h.qoffsetX()).putFloat(272, (float) h.qoffsetY()).putFloat(276, (float) h.qoffsetZ());
            putFloats(bb, 280, h.srowX());
            putFloats(bb, 296, h.srowY());
            putFloats(bb, 312, h.srowZ());
            put(bb, 328, h.intentNameBytes());
            put(bb, 344, (magic + "\0").getBytes(StandardCharsets.ISO_8859_1));
        } else {
            bb.putInt(0, NIFTI2_SIZE);
            put(bb, 4, (magic + "\0").getBytes(StandardCharsets.ISO_8859_1));
            put(bb, 8, NIFTI2_TAIL);
            bb.putShort(12, toShort(h.datatype(), "datatype"));
            bb.putShort(14, toShort(h.bitpix(), "bitpix"));
            long[] dim = h.dim();
            for (int i = 0; i < 8; i++) {
                bb.putLong(16 + 8 * i, dim[i]);
            }
            bb.putDouble(80, h.intentP1()).putDouble(88, h.intentP2()).putDouble(96, h.intentP3());
            putDoubles(bb, 104, h.pixdim());
            bb.putLong(168, voxOffset);
            bb.putDouble(176, h.sclSlope()).putDouble(184, h.sclInter());
            bb.putDouble(192, h.calMax()).putDouble(200, h.calMin());
            bb.putDouble(208, h.sliceDuration()).putDouble(216, h.toffset());
            bb.putLong(224, h.sliceStart()).putLong(232, h.sliceEnd());
            put(bb, 240, h.descripBytes());
            put(bb, 320, h.auxFileBytes());
            bb.putInt(344, h.qformCode()).putInt(348, h.sformCode());
            bb.putDouble(352, h.quaternB()).putDouble(360, h.quaternC()).putDouble(368, h.quaternD());
            bb.putDouble(376, h.qoffsetX()).putDouble(384, h.qoffsetY()).putDouble(392, h.qoffsetZ());
            putDoubles(bb, 400, h.srowX());
            putDoubles(bb, 432, h.srowY());
            putDoubles(bb, 464, h.srowZ());
            bb.putInt(496, h.sliceCode()).putInt(500, h.xyztUnits()).putInt(504, h.intentCode());
            put(bb, 508, h.intentNameBytes());
            bb.put(524, toByte(h.dimInfo(), "dim_info"));
        }
        byte[] extender = h.extender();
        // extender[0] says whether extensions follow, so it must agree with the list we write
        extender[0] = (byte) (h.extensions().isEmpty() ? 0 : 1);
        put(bb, size, extender);
        int at = size + 4;
        for (NiftiExtension e : h.extensions()) {
            bb.putInt(at, e.esize());
            bb.putInt(at + 4, e.code());
            put(bb, at + 8, e.data());
            at += e.esize();
        }
        return bb.array();
    }

    private static void put(ByteBuffer bb, int at, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            bb.put(at + i, bytes[i]);
        }
    }

    private static void putFloats(ByteBuffer bb, int at, double[] v) {
        for (int i = 0; i < v.length; i++) {
            bb.putFloat(at + 4 * i, (float) v[i]);
        }
    }

    private static void putDoubles(ByteBuffer bb, int at, double[] v) {
        for (int i = 0; i < v.length; i++) {
            bb.putDouble(at + 8 * i, v[i]);
        }
    }

    private static short toShort(long v, String field) {
        if (v < Short.MIN_VALUE || v > Short.MAX_VALUE) {
            throw new IllegalArgumentException(field + " = " + v + " does not fit a NIfTI-1 header (int16); write NIfTI-2");
        }
        return (short) v;
    }

    private static byte toByte(int v, String field) {
        if (v < Byte.MIN_VALUE || v > 255) {
            throw new IllegalArgumentException(field + " = " + v + " does not fit one byte");
        }
        return (byte) v;
    }
}
