package io.liverseg.imaging;

import java.util.Arrays;

/**
 * A 4×4 voxel-to-world matrix: voxel (i, j, k) to world (x, y, z) in millimetres in NIfTI's RAS+ frame
 * (+x towards the patient's Right, +y Anterior, +z Superior; DICOM's LPS flips x and y). Immutable, row-major.
 */
public final class Affine {
    private final double[] m; // 16 values, row-major

    private Affine(double[] m) {
        this.m = m;
    }

    /** An affine from 16 row-major values; the last row must be (0, 0, 0, 1). */
    public static Affine of(double... rowMajor) {
        if (rowMajor.length != 16) {
            throw new IllegalArgumentException("an affine has 16 values, got " + rowMajor.length);
        }
        return new Affine(rowMajor.clone());
    }

    /** From the three sform rows (srow_x, srow_y, srow_z). */
    public static Affine ofRows(double[] rowX, double[] rowY, double[] rowZ) {
        double[] v = new double[16];
        System.arraycopy(rowX, 0, v, 0, 4);
        System.arraycopy(rowY, 0, v, 4, 4);
        System.arraycopy(rowZ, 0, v, 8, 4);
        v[15] = 1;
        return new Affine(v);
    }

    /** A diagonal affine with the given spacing and zero offset. */
    public static Affine scaling(double sx, double sy, double sz) {
        return of(sx, 0, 0, 0, 0, sy, 0, 0, 0, 0, sz, 0, 0, 0, 0, 1);
    }

    public double get(int row, int col) {
        return m[row * 4 + col];
    }

    /** The row-major values (a copy). */
    public double[] toArray() {
        return m.clone();
    }

    /** The 4×4 matrix as rows (a copy), for JSON. */
    public double[][] toRows() {
        double[][] r = new double[4][4];
        for (int i = 0; i < 4; i++) {
            System.arraycopy(m, i * 4, r[i], 0, 4);
        }
        return r;
    }

    /** World coordinates of voxel (i, j, k). */
    public double[] apply(double i, double j, double k) {
        double[] w = new double[3];
        for (int r = 0; r < 3; r++) {
            w[r] = m[r * 4] * i + m[r * 4 + 1] * j + m[r * 4 + 2] * k + m[r * 4 + 3];
        }
        return w;
    }

    /** This × other. */
    public Affine multiply(Affine other) {
        double[] out = new double[16];
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 4; c++) {
                double s = 0;
                for (int k = 0; k < 4; k++) {
                    s += m[r * 4 + k] * other.m[k * 4 + c];
                }
                out[r * 4 + c] = s;
            }
        }
        return new Affine(out);
    }

    /** Voxel spacing in mm: the length of each of the first three columns. */
    public double[] spacing() {
        double[] s = new double[3];
        for (int c = 0; c < 3; c++) {
            s[c] = Math.sqrt(sq(m[c]) + sq(m[4 + c]) + sq(m[8 + c]));
        }
        return s;
    }

    /** Volume of one voxel in mm³: |det| of the 3×3 part. */
    public double voxelVolumeMm3() {
        return Math.abs(determinant3());
    }

    /** Determinant of the 3×3 part. */
    public double determinant3() {
        return m[0] * (m[5] * m[10] - m[6] * m[9])
                - m[1] * (m[4] * m[10] - m[6] * m[8])
                + m[2] * (m[4] * m[9] - m[5] * m[8]);
    }

    /**
     * For each voxel axis, the world axis it runs along most closely (0 = x, 1 = y, 2 = z) and its sign,
     * chosen greedily by largest absolute component so each world axis is used once. Entry = axis + 1,
     * negated when the voxel axis runs towards the negative world direction.
     */
    public int[] axisDirections() {
        int[] result = new int[3];
        boolean[] usedRow = new boolean[3];
        boolean[] usedCol = new boolean[3];
        for (int n = 0; n < 3; n++) {
            int bestR = -1;
            int bestC = -1;
            double best = -1;
            for (int r = 0; r < 3; r++) {
                for (int c = 0; c < 3; c++) {
                    if (!usedRow[r] && !usedCol[c]) {
                        double v = Math.abs(m[r * 4 + c]) / Math.max(1e-30, spacingOf(c));
                        if (v > best) {
                            best = v;
                            bestR = r;
                            bestC = c;
                        }
                    }
                }
            }
            usedRow[bestR] = true;
            usedCol[bestC] = true;
            result[bestC] = m[bestR * 4 + bestC] < 0 ? -(bestR + 1) : bestR + 1;
        }
        return result;
    }

    /** Orientation axis codes as nibabel's aff2axcodes gives them, e.g. "RAS", "LPS", "LAS". */
    public String orientationCode() {
        int[] dirs = axisDirections();
        StringBuilder sb = new StringBuilder(3);
        for (int d : dirs) {
            sb.append(d > 0 ? "RAS".charAt(d - 1) : "LPI".charAt(-d - 1));
        }
        return sb.toString();
    }

    private double spacingOf(int c) {
        return Math.sqrt(sq(m[c]) + sq(m[4 + c]) + sq(m[8 + c]));
    }

    private static double sq(double v) {
        return v * v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Affine a && Arrays.equals(m, a.m);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(m);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Affine[");
        for (int r = 0; r < 4; r++) {
            sb.append(r == 0 ? "" : "; ");
            for (int c = 0; c < 4; c++) {
                sb.append(c == 0 ? "" : " ").append(m[r * 4 + c]);
            }
        }
        return sb.append(']').toString();
    }
}
