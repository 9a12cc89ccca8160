package io.liverseg.imaging.phantom;

import java.util.SplittableRandom;

/**
 * A sum of plane waves Σ A sin(k·p + φ) in the patient frame: smooth random fields for organ deformation and
 * texture. On the render grid each wave splits into a per-column and a per-row factor (sin(a + b) =
 * sin a cos b + cos a sin b), since a rotated patient frame is still linear in world x and y, so a voxel costs
 * a few multiplications instead of trigonometric calls.
 */
final class Waves {
    final int n;
    final double[] ku;
    final double[] kv;
    final double[] kw;
    final double[] phase;
    final double[] amp;

    Waves(int n) {
        this.n = n;
        ku = new double[n];
        kv = new double[n];
        kw = new double[n];
        phase = new double[n];
        amp = new double[n];
    }

    /** n waves with random 3D directions, wavelength in [minLambda, maxLambda] mm and amplitude in [minAmp, maxAmp]. */
    static Waves random(SplittableRandom r, int n, double minLambda, double maxLambda, double minAmp, double maxAmp) {
        Waves w = new Waves(n);
        for (int i = 0; i < n; i++) {
            double lambda = minLambda + r.nextDouble() * (maxLambda - minLambda);
            double k = 2 * Math.PI / lambda;
            double z = r.nextDouble() * 2 - 1;
            double az = r.nextDouble() * 2 * Math.PI;
            double s = Math.sqrt(1 - z * z);
            w.ku[i] = k * s * StrictMath.cos(az);
            w.kv[i] = k * s * StrictMath.sin(az);
            w.kw[i] = k * z;
            w.phase[i] = r.nextDouble() * 2 * Math.PI;
            w.amp[i] = minAmp + r.nextDouble() * (maxAmp - minAmp);
        }
        return w;
    }

    double at(double u, double v, double w) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += amp[i] * StrictMath.sin(ku[i] * u + kv[i] * v + kw[i] * w + phase[i]);
        }
        return s;
    }

    /**
     * The per-column half of the render tables, fixed for a case. With u = c·dx + s·dy and v = −s·dx + c·dy
     * (dx, dy world offsets from the patient origin), k_u·u + k_v·v = (k_u c − k_v s)·dx + (k_u s + k_v c)·dy.
     */
    Columns columns(double[] dxs, double cosA, double sinA) {
        Columns c = new Columns();
        int nx = dxs.length;
        c.nx = nx;
        c.sinX = new double[n * nx];
        c.cosX = new double[n * nx];
        c.ky = new double[n];
        for (int i = 0; i < n; i++) {
            double kx = ku[i] * cosA - kv[i] * sinA;
            c.ky[i] = ku[i] * sinA + kv[i] * cosA;
            for (int x = 0; x < nx; x++) {
                double ang = kx * dxs[x];
                c.sinX[i * nx + x] = amp[i] * StrictMath.sin(ang);
                c.cosX[i * nx + x] = amp[i] * StrictMath.cos(ang);
            }
        }
        return c;
    }

    /** Tables for one plane w: the per-row half, computed per slice. */
    Table table(Columns c, double w, double[] dys) {
        Table t = new Table();
        int ny = dys.length;
        t.n = n;
        t.nx = c.nx;
        t.ny = ny;
        t.sinX = c.sinX;
        t.cosX = c.cosX;
        t.sinY = new double[n * ny];
        t.cosY = new double[n * ny];
        for (int i = 0; i < n; i++) {
            double base = kw[i] * w + phase[i];
            for (int y = 0; y < ny; y++) {
                double ang = c.ky[i] * dys[y] + base;
                t.sinY[i * ny + y] = StrictMath.sin(ang);
                t.cosY[i * ny + y] = StrictMath.cos(ang);
            }
        }
        return t;
    }

    static final class Columns {
        int nx;
        double[] sinX;
        double[] cosX;
        double[] ky;
    }

    static final class Table {
        int n;
        int nx;
        int ny;
        double[] sinX;
        double[] cosX;
        double[] sinY;
        double[] cosY;

        double at(int i, int j) {
            double s = 0;
            for (int k = 0; k < n; k++) {
                s += sinX[k * nx + i] * cosY[k * ny + j] + cosX[k * nx + i] * sinY[k * ny + j];
            }
            return s;
        }
    }
}
