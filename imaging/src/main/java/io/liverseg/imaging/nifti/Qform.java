package io.liverseg.imaging.nifti;

import io.liverseg.imaging.Affine;

/**
 * Conversions between an affine and the NIfTI qform (quaternion b, c, d, offset, pixdim and qfac),
 * following nifti1_io.c ({@code nifti_quatern_to_mat44} / {@code nifti_mat44_to_quatern}), so files agree
 * with nifti_tool and nibabel.
 */
final class Qform {
    private Qform() {
    }

    /** The qform affine; non-positive or non-finite spacings count as 1 and qfac below 0 flips k. */
    static Affine toAffine(double b, double c, double d, double qx, double qy, double qz,
                           double dx, double dy, double dz, double qfac) {
        double a = 1.0 - (b * b + c * c + d * d);
        if (a < 1.0e-7) {
            // |(b,c,d)| >= 1: a 180 degree rotation, so renormalise (b,c,d) and take a = 0 as nifti1_io does
            a = 1.0 / Math.sqrt(b * b + c * c + d * d);
            b *= a;
            c *= a;
            d *= a;
            a = 0.0;
        } else {
            a = Math.sqrt(a);
        }
        double xd = dx > 0 ? dx : 1.0;
        double yd = dy > 0 ? dy : 1.0;
        double zd = dz > 0 ? dz : 1.0;
        if (qfac < 0) {
            zd = -zd;
        }
        return Affine.of(
                (a * a + b * b - c * c - d * d) * xd, 2.0 * (b * c - a * d) * yd, 2.0 * (b * d + a * c) * zd, qx,
                2.0 * (b * c + a * d) * xd, (a * a + c * c - b * b - d * d) * yd, 2.0 * (c * d - a * b) * zd, qy,
                2.0 * (b * d - a * c) * xd, 2.0 * (c * d + a * b) * yd, (a * a + d * d - c * c - b * b) * zd, qz,
                0, 0, 0, 1);
    }

    /**
     * The qform parameters closest to an affine: {b, c, d, qx, qy, qz, dx, dy, dz, qfac}. Spacings are the
     * column lengths (as nibabel's zooms); a sheared 3×3 part is replaced by its nearest rotation.
     */
    static double[] fromAffine(Affine affine) {
        double[][] r = new double[3][3];
        double[] spacing = new double[3];
        for (int col = 0; col < 3; col++) {
            double len = Math.sqrt(sq(affine.get(0, col)) + sq(affine.get(1, col)) + sq(affine.get(2, col)));
            spacing[col] = len > 0 && Double.isFinite(len) ? len : 1.0;
            for (int row = 0; row < 3; row++) {
                r[row][col] = len > 0 && Double.isFinite(len) ? affine.get(row, col) / len : (row == col ? 1 : 0);
            }
        }
        double qfac = 1.0;
        if (det(r) < 0) {
            qfac = -1.0;
            for (int row = 0; row < 3; row++) {
                r[row][2] = -r[row][2];
            }
        }
        r = nearestRotation(r);
        double r11 = r[0][0];
        double r12 = r[0][1];
        double r13 = r[0][2];
        double r21 = r[1][0];
        double r22 = r[1][1];
        double r23 = r[1][2];
        double r31 = r[2][0];
        double r32 = r[2][1];
        double r33 = r[2][2];
        double a = r11 + r22 + r33 + 1.0;
        double b;
        double c;
        double d;
        if (a > 0.5) {
            a = 0.5 * Math.sqrt(a);
            b = 0.25 * (r32 - r23) / a;
            c = 0.25 * (r13 - r31) / a;
            d = 0.25 * (r21 - r12) / a;
        } else {
            double xd = 1.0 + r11 - (r22 + r33);
            double yd = 1.0 + r22 - (r11 + r33);
            double zd = 1.0 + r33 - (r11 + r22);
            if (xd > 1.0) {
                b = 0.5 * Math.sqrt(xd);
                c = 0.25 * (r12 + r21) / b;
                d = 0.25 * (r13 + r31) / b;
                a = 0.25 * (r32 - r23) / b;
            } else if (yd > 1.0) {
                c = 0.5 * Math.sqrt(yd);
                b = 0.25 * (r12 + r21) / c;
                d = 0.25 * (r23 + r32) / c;
                a = 0.25 * (r13 - r31) / c;
            } else {
                d = 0.5 * Math.sqrt(zd);
                b = 0.25 * (r13 + r31) / d;
                c = 0.25 * (r23 + r32) / d;
                a = 0.25 * (r21 - r12) / d;
            }
            if (a < 0.0) {
                b = -b;
                c = -c;
                d = -d;
            }
        }
        return new double[] {b + 0.0, c + 0.0, d + 0.0, affine.get(0, 3), affine.get(1, 3), affine.get(2, 3),
            spacing[0], spacing[1], spacing[2], qfac};
    }

    /** Polar decomposition by Newton iteration X = (X + X^-T) / 2, which converges to the nearest rotation. */
    private static double[][] nearestRotation(double[][] m) {
        double[][] x = m;
        for (int iter = 0; iter < 100; iter++) {
            double[][] inv = inverseTranspose(x);
            if (inv == null) {
                return m;
            }
            double[][] next = new double[3][3];
            double change = 0;
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    next[i][j] = 0.5 * (x[i][j] + inv[i][j]);
                    change += Math.abs(next[i][j] - x[i][j]);
                }
            }
            x = next;
            if (change < 1e-15) {
                break;
            }
        }
        return x;
    }

    private static double[][] inverseTranspose(double[][] m) {
        double det = det(m);
        if (det == 0 || !Double.isFinite(det)) {
            return null;
        }
        double[][] it = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                // cofactor(i, j) / det is (M^-1)^T at (i, j)
                int i1 = (i + 1) % 3;
                int i2 = (i + 2) % 3;
                int j1 = (j + 1) % 3;
                int j2 = (j + 2) % 3;
                it[i][j] = (m[i1][j1] * m[i2][j2] - m[i1][j2] * m[i2][j1]) / det;
            }
        }
        return it;
    }

    private static double det(double[][] m) {
        return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    }

    private static double sq(double v) {
        return v * v;
    }
}
