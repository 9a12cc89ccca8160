package io.liverseg.imaging.nifti;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.Volume;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Every field of a NIfTI-1 (348-byte) or NIfTI-2 (540-byte) header, with its extensions, as read or to be
 * written. Immutable; change fields with {@link #toBuilder()}. Values are held in the widest type of the
 * two versions (dims as long, floats as double): a NIfTI-1 float widens exactly, so a header read and
 * written back keeps every bit. The text fields keep all their bytes, also those after the first NUL.
 * The unused ANALYZE 7.5 fields of NIfTI-1 ({@code data_type}, {@code db_name}, {@code extents},
 * {@code session_error}, {@code regular}, {@code glmax}, {@code glmin}) are kept for the same reason.
 */
public final class NiftiHeader {
    /** NIFTI_XFORM_SCANNER_ANAT. */
    public static final int XFORM_SCANNER_ANAT = 1;
    /** NIFTI_XFORM_ALIGNED_ANAT. */
    public static final int XFORM_ALIGNED_ANAT = 2;

    static final int DESCRIP_LEN = 80;
    static final int AUX_FILE_LEN = 24;
    static final int INTENT_NAME_LEN = 16;

    private final int version;
    private final ByteOrder byteOrder;
    private final int dimInfo;
    private final long[] dim;
    private final double intentP1;
    private final double intentP2;
    private final double intentP3;
    private final int intentCode;
    private final int datatype;
    private final int bitpix;
    private final long sliceStart;
    private final double[] pixdim;
    private final long voxOffset;
    private final double sclSlope;
    private final double sclInter;
    private final long sliceEnd;
    private final int sliceCode;
    private final int xyztUnits;
    private final double calMax;
    private final double calMin;
    private final double sliceDuration;
    private final double toffset;
    private final byte[] descrip;
    private final byte[] auxFile;
    private final int qformCode;
    private final int sformCode;
    private final double quaternB;
    private final double quaternC;
    private final double quaternD;
    private final double qoffsetX;
    private final double qoffsetY;
    private final double qoffsetZ;
    private final double[] srowX;
    private final double[] srowY;
    private final double[] srowZ;
    private final byte[] intentName;
    private final String magic;
    private final List<NiftiExtension> extensions;
    private final byte[] extender;
    private final byte[] dataTypeName;
    private final byte[] dbName;
    private final int extents;
    private final int sessionError;
    private final int regular;
    private final int glmax;
    private final int glmin;
    private Affine affine;

    private NiftiHeader(Builder b) {
        this.version = b.version;
        this.byteOrder = b.byteOrder;
        this.dimInfo = b.dimInfo;
        this.dim = b.dim.clone();
        this.intentP1 = b.intentP1;
        this.intentP2 = b.intentP2;
        this.intentP3 = b.intentP3;
        this.intentCode = b.intentCode;
        this.datatype = b.datatype;
        this.bitpix = b.bitpix;
        this.sliceStart = b.sliceStart;
        this.pixdim = b.pixdim.clone();
        this.voxOffset = b.voxOffset;
        this.sclSlope = b.sclSlope;
        this.sclInter = b.sclInter;
        this.sliceEnd = b.sliceEnd;
        this.sliceCode = b.sliceCode;
        this.xyztUnits = b.xyztUnits;
        this.calMax = b.calMax;
        this.calMin = b.calMin;
        this.sliceDuration = b.sliceDuration;
        this.toffset = b.toffset;
        this.descrip = b.descrip.clone();
        this.auxFile = b.auxFile.clone();
        this.qformCode = b.qformCode;
        this.sformCode = b.sformCode;
        this.quaternB = b.quaternB;
        this.quaternC = b.quaternC;
        this.quaternD = b.quaternD;
        this.qoffsetX = b.qoffsetX;
        this.qoffsetY = b.qoffsetY;
        this.qoffsetZ = b.qoffsetZ;
        this.srowX = b.srowX.clone();
        this.srowY = b.srowY.clone();
        this.srowZ = b.srowZ.clone();
        this.intentName = b.intentName.clone();
        this.magic = b.magic;
        this.extensions = List.copyOf(b.extensions);
        this.extender = b.extender.clone();
        this.dataTypeName = b.dataTypeName.clone();
        this.dbName = b.dbName.clone();
        this.extents = b.extents;
        this.sessionError = b.sessionError;
        this.regular = b.regular;
        this.glmax = b.glmax;
        this.glmin = b.glmin;
    }

    /** A builder with an empty little-endian NIfTI-1 single-file header (dims unset). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding a copy of every field of this header. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * A fresh little-endian NIfTI-1 header for a volume (NIfTI-2 when a dim exceeds 32767), with the
     * values nibabel writes by default: sform_code 2 (aligned) and qform_code 1 (scanner) from the volume's
     * affine, pixdim[0] = qfac, pixdim[1..3] = the affine's column lengths, other pixdims 1, units 0, and
     * scl_slope/scl_inter from the volume (1/0 when unscaled).
     */
    public static NiftiHeader forVolume(Volume v) {
        Builder b = builder().dims(v.dims())
                .datatype(v.voxels().type().niftiCode())
                .bitpix(v.voxels().type().bytes() * 8)
                .sclSlope(v.slope())
                .sclInter(v.inter())
                .qformCode(XFORM_SCANNER_ANAT)
                .sformCode(XFORM_ALIGNED_ANAT)
                .geometry(v.affine());
        if (!fitsNifti1(b.dim)) {
            b.version(2);
        }
        return b.build();
    }

    /**
     * A copy of this header for other voxels on the same grid, for example a mask written on its input's
     * exact grid: datatype, bitpix, dims and scl_slope/scl_inter come from {@code v}, everything else
     * (geometry, codes, descrip, extensions, units, intent) is kept verbatim so the affine reads back
     * bit-identical. The dim array itself is kept when it describes the same grid (e.g. a 4D header with
     * nt = 1 for a 3D volume). If {@code v}'s affine differs from {@link #affine()} (beyond the header's
     * float precision), the sform/qform and pixdim[0..3] are recomputed from it (codes kept, 0 becomes 2
     * for sform and 1 for qform).
     * cal_min/cal_max are reset to 0 when the datatype changes: they described the old intensities.
     */
    public NiftiHeader withVolume(Volume v) {
        Builder b = toBuilder();
        int code = v.voxels().type().niftiCode();
        if (code != datatype) {
            b.calMin(0).calMax(0);
        }
        b.datatype(code).bitpix(v.voxels().type().bytes() * 8).sclSlope(v.slope()).sclInter(v.inter());
        int[] own = volumeDimsOrNull(dim);
        if (own == null || !Arrays.equals(trimOnes(own), trimOnes(v.dims()))) {
            b.dims(v.dims());
        }
        if (!sameGeometry(v.affine(), affine())) {
            b.geometry(v.affine());
            if (sformCode <= 0) {
                b.sformCode(XFORM_ALIGNED_ANAT);
            }
            if (qformCode <= 0) {
                b.qformCode(XFORM_SCANNER_ANAT);
            }
        }
        if (!fitsNifti1(b.dim)) {
            b.version(2);
        }
        return b.build();
    }

    /**
     * True when writing {@code a} would store the same geometry as {@code b}: equal values (-0.0 and 0.0
     * alike), or for NIfTI-1 equal once rounded to the header's float, so that double rounding noise
     * from processing does not replace a file's geometry fields.
     */
    private boolean sameGeometry(Affine a, Affine b) {
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) {
                double x = a.get(r, c);
                double y = b.get(r, c);
                if (x != y && !(version == 1 && (float) x == (float) y)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The voxel-to-world (RAS+) affine: the sform when sform_code > 0, else the qform (quaternion with
     * qfac = pixdim[0], 0 counting as 1) when qform_code > 0, else diag(pixdim[1..3]) (NIfTI "method 1",
     * a zero or non-finite pixdim counting as 1).
     */
    public Affine affine() {
        Affine a = affine;
        if (a == null) {
            if (sformCode > 0) {
                a = Affine.ofRows(srowX, srowY, srowZ);
            } else if (qformCode > 0) {
                a = qformAffine();
            } else {
                a = Affine.scaling(method1Spacing(pixdim[1]), method1Spacing(pixdim[2]), method1Spacing(pixdim[3]));
            }
            affine = a;
        }
        return a;
    }

    /** The affine the qform fields describe, whatever qform_code says. */
    public Affine qformAffine() {
        return Qform.toAffine(quaternB, quaternC, quaternD, qoffsetX, qoffsetY, qoffsetZ,
                pixdim[1], pixdim[2], pixdim[3], pixdim[0]);
    }

    /** The affine the sform rows describe, whatever sform_code says. */
    public Affine sformAffine() {
        return Affine.ofRows(srowX, srowY, srowZ);
    }

    /** Orientation axis codes of the voxel axes from {@link #affine()}, e.g. "LAS". */
    public String orientation() {
        return affine().orientationCode();
    }

    private static double method1Spacing(double p) {
        return p == 0 || !Double.isFinite(p) ? 1.0 : p;
    }

    /**
     * The dims a reader gives the volume: dim[1..dim[0]] padded with 1 to three dims, dims past the fourth
     * dropped when 1; null when dim is not valid for a volume.
     */
    static int[] volumeDimsOrNull(long[] dim) {
        long n = dim[0];
        if (n < 1 || n > 7) {
            return null;
        }
        for (int i = 1; i <= n; i++) {
            if (dim[i] < 1 || dim[i] > Integer.MAX_VALUE) {
                return null;
            }
        }
        for (int i = 5; i <= n; i++) {
            if (dim[i] != 1) {
                return null;
            }
        }
        int[] out = new int[n >= 4 ? 4 : 3];
        for (int i = 0; i < out.length; i++) {
            out[i] = i + 1 <= n ? (int) dim[i + 1] : 1;
        }
        return out;
    }

    private static int[] trimOnes(int[] dims) {
        int n = dims.length;
        while (n > 0 && dims[n - 1] == 1) {
            n--;
        }
        return Arrays.copyOf(dims, n);
    }

    static boolean fitsNifti1(long[] dim) {
        for (long d : dim) {
            if (d < Short.MIN_VALUE || d > Short.MAX_VALUE) {
                return false;
            }
        }
        return true;
    }

    /** Header format version: 1 (348-byte header) or 2 (540-byte header). */
    public int version() {
        return version;
    }

    public ByteOrder byteOrder() {
        return byteOrder;
    }

    /** 348 for NIfTI-1, 540 for NIfTI-2. */
    public int sizeofHdr() {
        return version == 2 ? 540 : 348;
    }

    public int dimInfo() {
        return dimInfo;
    }

    /** dim[0..7]: dim[0] is the number of dimensions. */
    public long[] dim() {
        return dim.clone();
    }

    public double intentP1() {
        return intentP1;
    }

    public double intentP2() {
        return intentP2;
    }

    public double intentP3() {
        return intentP3;
    }

    public int intentCode() {
        return intentCode;
    }

    /** The NIfTI datatype code, e.g. 4 for int16. */
    public int datatype() {
        return datatype;
    }

    public int bitpix() {
        return bitpix;
    }

    public long sliceStart() {
        return sliceStart;
    }

    /** pixdim[0..7]: pixdim[0] is qfac, pixdim[1..3] the voxel spacing. */
    public double[] pixdim() {
        return pixdim.clone();
    }

    /** Offset of the voxel data in the .nii file (or in the .img of a pair), as read. */
    public long voxOffset() {
        return voxOffset;
    }

    public double sclSlope() {
        return sclSlope;
    }

    public double sclInter() {
        return sclInter;
    }

    public long sliceEnd() {
        return sliceEnd;
    }

    public int sliceCode() {
        return sliceCode;
    }

    public int xyztUnits() {
        return xyztUnits;
    }

    public double calMax() {
        return calMax;
    }

    public double calMin() {
        return calMin;
    }

    public double sliceDuration() {
        return sliceDuration;
    }

    public double toffset() {
        return toffset;
    }

    /** descrip as UTF-8 text up to its first NUL. */
    public String descrip() {
        return text(descrip);
    }

    /** All 80 bytes of descrip. */
    public byte[] descripBytes() {
        return descrip.clone();
    }

    /** aux_file as text up to its first NUL. */
    public String auxFile() {
        return text(auxFile);
    }

    /** All 24 bytes of aux_file. */
    public byte[] auxFileBytes() {
        return auxFile.clone();
    }

    public int qformCode() {
        return qformCode;
    }

    public int sformCode() {
        return sformCode;
    }

    public double quaternB() {
        return quaternB;
    }

    public double quaternC() {
        return quaternC;
    }

    public double quaternD() {
        return quaternD;
    }

    public double qoffsetX() {
        return qoffsetX;
    }

    public double qoffsetY() {
        return qoffsetY;
    }

    public double qoffsetZ() {
        return qoffsetZ;
    }

    public double[] srowX() {
        return srowX.clone();
    }

    public double[] srowY() {
        return srowY.clone();
    }

    public double[] srowZ() {
        return srowZ.clone();
    }

    /** intent_name as text up to its first NUL. */
    public String intentName() {
        return text(intentName);
    }

    /** All 16 bytes of intent_name. */
    public byte[] intentNameBytes() {
        return intentName.clone();
    }

    /** The magic as text without NULs and the NIfTI-2 tail: "n+1", "ni1", "n+2" or "ni2". */
    public String magic() {
        return magic;
    }

    /** True for a single-file magic (n+1, n+2), false for a .hdr/.img pair (ni1, ni2). */
    public boolean isSingleFile() {
        return magic.startsWith("n+");
    }

    public List<NiftiExtension> extensions() {
        return extensions;
    }

    /** The 4 extender bytes after the header; extender[0] != 0 means extensions follow. */
    public byte[] extender() {
        return extender.clone();
    }

    /** NIfTI-1 only (unused ANALYZE field): data_type[10]. */
    public byte[] dataTypeName() {
        return dataTypeName.clone();
    }

    /** NIfTI-1 only (unused ANALYZE field): db_name[18]. */
    public byte[] dbName() {
        return dbName.clone();
    }

    /** NIfTI-1 only (unused ANALYZE field). */
    public int extents() {
        return extents;
    }

    /** NIfTI-1 only (unused ANALYZE field). */
    public int sessionError() {
        return sessionError;
    }

    /** NIfTI-1 only (unused ANALYZE field, 'r' in many files). */
    public int regular() {
        return regular;
    }

    /** NIfTI-1 only (unused ANALYZE field). */
    public int glmax() {
        return glmax;
    }

    /** NIfTI-1 only (unused ANALYZE field). */
    public int glmin() {
        return glmin;
    }

    private static String text(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "NiftiHeader[v" + version + " " + magic + " " + byteOrder + " dim=" + Arrays.toString(dim)
                + " datatype=" + datatype + " pixdim=" + Arrays.toString(pixdim) + " vox_offset=" + voxOffset
                + " qform=" + qformCode + " sform=" + sformCode + " " + extensions.size() + " extensions]";
    }

    /** Mutable copy of a header's fields; {@link #build()} makes the immutable header. */
    public static final class Builder {
        private int version = 1;
        private ByteOrder byteOrder = ByteOrder.LITTLE_ENDIAN;
        private int dimInfo;
        private long[] dim = {0, 1, 1, 1, 1, 1, 1, 1};
        private double intentP1;
        private double intentP2;
        private double intentP3;
        private int intentCode;
        private int datatype;
        private int bitpix;
        private long sliceStart;
        private double[] pixdim = {1, 1, 1, 1, 1, 1, 1, 1};
        private long voxOffset = 352;
        private double sclSlope = 1;
        private double sclInter;
        private long sliceEnd;
        private int sliceCode;
        private int xyztUnits;
        private double calMax;
        private double calMin;
        private double sliceDuration;
        private double toffset;
        private byte[] descrip = new byte[DESCRIP_LEN];
        private byte[] auxFile = new byte[AUX_FILE_LEN];
        private int qformCode;
        private int sformCode;
        private double quaternB;
        private double quaternC;
        private double quaternD;
        private double qoffsetX;
        private double qoffsetY;
        private double qoffsetZ;
        private double[] srowX = {1, 0, 0, 0};
        private double[] srowY = {0, 1, 0, 0};
        private double[] srowZ = {0, 0, 1, 0};
        private byte[] intentName = new byte[INTENT_NAME_LEN];
        private String magic = "n+1";
        private List<NiftiExtension> extensions = new ArrayList<>();
        private byte[] extender = new byte[4];
        private byte[] dataTypeName = new byte[10];
        private byte[] dbName = new byte[18];
        private int extents;
        private int sessionError;
        private int regular;
        private int glmax;
        private int glmin;

        private Builder() {
        }

        private Builder(NiftiHeader h) {
            version = h.version;
            byteOrder = h.byteOrder;
            dimInfo = h.dimInfo;
            dim = h.dim.clone();
            intentP1 = h.intentP1;
            intentP2 = h.intentP2;
            intentP3 = h.intentP3;
            intentCode = h.intentCode;
            datatype = h.datatype;
            bitpix = h.bitpix;
            sliceStart = h.sliceStart;
            pixdim = h.pixdim.clone();
            voxOffset = h.voxOffset;
            sclSlope = h.sclSlope;
            sclInter = h.sclInter;
            sliceEnd = h.sliceEnd;
            sliceCode = h.sliceCode;
            xyztUnits = h.xyztUnits;
            calMax = h.calMax;
            calMin = h.calMin;
            sliceDuration = h.sliceDuration;
            toffset = h.toffset;
            descrip = h.descrip.clone();
            auxFile = h.auxFile.clone();
            qformCode = h.qformCode;
            sformCode = h.sformCode;
            quaternB = h.quaternB;
            quaternC = h.quaternC;
            quaternD = h.quaternD;
            qoffsetX = h.qoffsetX;
            qoffsetY = h.qoffsetY;
            qoffsetZ = h.qoffsetZ;
            srowX = h.srowX.clone();
            srowY = h.srowY.clone();
            srowZ = h.srowZ.clone();
            intentName = h.intentName.clone();
            magic = h.magic;
            extensions = new ArrayList<>(h.extensions);
            extender = h.extender.clone();
            dataTypeName = h.dataTypeName.clone();
            dbName = h.dbName.clone();
            extents = h.extents;
            sessionError = h.sessionError;
            regular = h.regular;
            glmax = h.glmax;
            glmin = h.glmin;
        }

        /** 1 or 2; also switches the magic between n+1/n+2 (ni1/ni2 for pairs). */
        public Builder version(int v) {
            if (v != 1 && v != 2) {
                throw new IllegalArgumentException("NIfTI version is 1 or 2, got " + v);
            }
            version = v;
            magic = magic.substring(0, 2) + v;
            return this;
        }

        public Builder byteOrder(ByteOrder order) {
            byteOrder = Objects.requireNonNull(order);
            return this;
        }

        public Builder dimInfo(int v) {
            dimInfo = v;
            return this;
        }

        /** All eight dim values, dim[0] being the number of dimensions. */
        public Builder dim(long... dim8) {
            dim = eight(dim8, "dim").clone();
            return this;
        }

        /** dim[0] = sizes.length, dim[1..] = sizes, the rest 1. */
        public Builder dims(long... sizes) {
            if (sizes.length < 1 || sizes.length > 7) {
                throw new IllegalArgumentException("1 to 7 dims, got " + sizes.length);
            }
            long[] d = {sizes.length, 1, 1, 1, 1, 1, 1, 1};
            System.arraycopy(sizes, 0, d, 1, sizes.length);
            dim = d;
            return this;
        }

        /** dim[0] = sizes.length, dim[1..] = sizes, the rest 1. */
        public Builder dims(int... sizes) {
            return dims(Arrays.stream(sizes).asLongStream().toArray());
        }

        public Builder intentP1(double v) {
            intentP1 = v;
            return this;
        }

        public Builder intentP2(double v) {
            intentP2 = v;
            return this;
        }

        public Builder intentP3(double v) {
            intentP3 = v;
            return this;
        }

        public Builder intentCode(int v) {
            intentCode = v;
            return this;
        }

        public Builder datatype(int code) {
            datatype = code;
            return this;
        }

        public Builder bitpix(int v) {
            bitpix = v;
            return this;
        }

        public Builder sliceStart(long v) {
            sliceStart = v;
            return this;
        }

        /** All eight pixdim values, pixdim[0] being qfac. */
        public Builder pixdim(double... pixdim8) {
            pixdim = eight(pixdim8, "pixdim").clone();
            return this;
        }

        /** Informational: writers compute vox_offset themselves. */
        public Builder voxOffset(long v) {
            voxOffset = v;
            return this;
        }

        public Builder sclSlope(double v) {
            sclSlope = v;
            return this;
        }

        public Builder sclInter(double v) {
            sclInter = v;
            return this;
        }

        public Builder sliceEnd(long v) {
            sliceEnd = v;
            return this;
        }

        public Builder sliceCode(int v) {
            sliceCode = v;
            return this;
        }

        public Builder xyztUnits(int v) {
            xyztUnits = v;
            return this;
        }

        public Builder calMax(double v) {
            calMax = v;
            return this;
        }

        public Builder calMin(double v) {
            calMin = v;
            return this;
        }

        public Builder sliceDuration(double v) {
            sliceDuration = v;
            return this;
        }

        public Builder toffset(double v) {
            toffset = v;
            return this;
        }

        /** descrip as UTF-8, at most 80 bytes. */
        public Builder descrip(String text) {
            descrip = textField(text, DESCRIP_LEN, "descrip");
            return this;
        }

        /** All 80 descrip bytes, verbatim. */
        public Builder descripBytes(byte[] bytes) {
            descrip = fixed(bytes, DESCRIP_LEN, "descrip");
            return this;
        }

        public Builder auxFile(String text) {
            auxFile = textField(text, AUX_FILE_LEN, "aux_file");
            return this;
        }

        public Builder auxFileBytes(byte[] bytes) {
            auxFile = fixed(bytes, AUX_FILE_LEN, "aux_file");
            return this;
        }

        public Builder qformCode(int v) {
            qformCode = v;
            return this;
        }

        public Builder sformCode(int v) {
            sformCode = v;
            return this;
        }

        public Builder quatern(double b, double c, double d) {
            quaternB = b;
            quaternC = c;
            quaternD = d;
            return this;
        }

        public Builder qoffset(double x, double y, double z) {
            qoffsetX = x;
            qoffsetY = y;
            qoffsetZ = z;
            return this;
        }

        public Builder srow(double[] x, double[] y, double[] z) {
            srowX = four(x, "srow_x").clone();
            srowY = four(y, "srow_y").clone();
            srowZ = four(z, "srow_z").clone();
            return this;
        }

        /**
         * Sets the sform rows, the qform (quaternion, offset, qfac) and pixdim[1..3] from an affine; codes
         * are left as they are.
         */
        public Builder geometry(Affine a) {
            double[] m = a.toArray();
            srow(Arrays.copyOfRange(m, 0, 4), Arrays.copyOfRange(m, 4, 8), Arrays.copyOfRange(m, 8, 12));
            double[] q = Qform.fromAffine(a);
            quatern(q[0], q[1], q[2]);
            qoffset(q[3], q[4], q[5]);
            pixdim[1] = q[6];
            pixdim[2] = q[7];
            pixdim[3] = q[8];
            pixdim[0] = q[9];
            return this;
        }

        public Builder intentName(String text) {
            intentName = textField(text, INTENT_NAME_LEN, "intent_name");
            return this;
        }

        public Builder intentNameBytes(byte[] bytes) {
            intentName = fixed(bytes, INTENT_NAME_LEN, "intent_name");
            return this;
        }

        /** "n+1", "ni1", "n+2" or "ni2"; also sets the version. Writers choose n+ or ni from the file name. */
        public Builder magic(String m) {
            switch (m) {
                case "n+1", "ni1" -> version = 1;
                case "n+2", "ni2" -> version = 2;
                default -> throw new IllegalArgumentException("magic is n+1, ni1, n+2 or ni2, got " + m);
            }
            magic = m;
            return this;
        }

        /** The extensions; a writer sets extender[0] to 1 when there are any. */
        public Builder extensions(List<NiftiExtension> list) {
            extensions = new ArrayList<>(list);
            return this;
        }

        public Builder extender(byte[] four) {
            if (four.length != 4) {
                throw new IllegalArgumentException("extender has 4 bytes, got " + four.length);
            }
            extender = four.clone();
            return this;
        }

        public Builder dataTypeName(byte[] bytes) {
            dataTypeName = fixed(bytes, 10, "data_type");
            return this;
        }

        public Builder dbName(byte[] bytes) {
            dbName = fixed(bytes, 18, "db_name");
            return this;
        }

        public Builder extents(int v) {
            extents = v;
            return this;
        }

        public Builder sessionError(int v) {
            sessionError = v;
            return this;
        }

        public Builder regular(int v) {
            regular = v;
            return this;
        }

        public Builder glmax(int v) {
            glmax = v;
            return this;
        }

        public Builder glmin(int v) {
            glmin = v;
            return this;
        }

        public NiftiHeader build() {
            return new NiftiHeader(this);
        }

        private static long[] eight(long[] v, String name) {
            if (v.length != 8) {
                throw new IllegalArgumentException(name + " has 8 values, got " + v.length);
            }
            return v;
        }

        private static double[] eight(double[] v, String name) {
            if (v.length != 8) {
                throw new IllegalArgumentException(name + " has 8 values, got " + v.length);
            }
            return v;
        }

        private static double[] four(double[] v, String name) {
            if (v.length != 4) {
                throw new IllegalArgumentException(name + " has 4 values, got " + v.length);
            }
            return v;
        }

        private static byte[] textField(String text, int len, String name) {
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            if (utf8.length > len) {
                throw new IllegalArgumentException(name + " holds at most " + len + " bytes, got " + utf8.length);
            }
            return Arrays.copyOf(utf8, len);
        }

        private static byte[] fixed(byte[] bytes, int len, String name) {
            if (bytes.length != len) {
                throw new IllegalArgumentException(name + " has " + len + " bytes, got " + bytes.length);
            }
            return bytes.clone();
        }
    }
}
