package io.liverseg.imaging.phantom;

/**
 * A smooth blob in the patient frame (u to the patient's right, v anterior, w superior, mm): an ellipse in
 * each axial plane whose centre, half-axes, rotation and radial harmonics vary with w, and whose size follows
 * a superellipse profile between {@code wc - hzDown} and {@code wc + hzUp}. The four half-axes differ per
 * side so organs can be egg- or wedge-shaped. Fields are set directly by {@link Anatomy}; only
 * {@link #section} is used afterwards.
 */
final class StarShape {
    static final int HARMONICS = 4;
    /** Returned by {@link Section#depth} outside the section's bounding box. */
    static final double FAR = -1e9;

    double wc;
    double hzUp = 50;
    double hzDown = 50;
    double pUp = 2;
    double pDown = 2;
    double cu;
    double cv;
    /** Centre drift per mm of w (linear) and per mm² (quadratic). */
    double su;
    double sv;
    double qu;
    double qv;
    double aPos = 10;
    double aNeg = 10;
    double bPos = 10;
    double bNeg = 10;
    /** Relative change of the u / v half-axes from centre (t = 0) to top (t = 1); negated below. */
    double ka;
    double kb;
    double phi0;
    double phi1;
    /** Radial harmonics n = 1..4: r(θ) = 1 + Σ (c cos nθ + s sin nθ), each coefficient linear in t. */
    final double[] c0 = new double[HARMONICS];
    final double[] c1 = new double[HARMONICS];
    final double[] s0 = new double[HARMONICS];
    final double[] s1 = new double[HARMONICS];
    /** Extra bounding-box margin in mm, so callers can ask for depths slightly outside the shape. */
    double margin;

    double bottom() {
        return wc - hzDown;
    }

    /** The cross-section at height w, or null when w is outside the shape's vertical extent. */
    Section section(double w) {
        double dw = w - wc;
        double t = dw >= 0 ? dw / hzUp : dw / hzDown;
        double at = Math.abs(t);
        if (at >= 1) {
            return null;
        }
        double p = dw >= 0 ? pUp : pDown;
        double prof = StrictMath.pow(1 - StrictMath.pow(at, p), 1 / p);
        if (prof < 0.02) {
            return null;
        }
        Section s = new Section();
        s.cu = cu + su * dw + qu * dw * dw;
        s.cv = cv + sv * dw + qv * dw * dw;
        double fa = prof * Math.max(0.2, 1 + ka * t);
        double fb = prof * Math.max(0.2, 1 + kb * t);
        s.aPos = Math.max(0.3, aPos * fa);
        s.aNeg = Math.max(0.3, aNeg * fa);
        s.bPos = Math.max(0.3, bPos * fb);
        s.bNeg = Math.max(0.3, bNeg * fb);
        double phi = phi0 + phi1 * t;
        s.cos = StrictMath.cos(phi);
        s.sin = StrictMath.sin(phi);
        double sum = 0;
        for (int n = 0; n < HARMONICS; n++) {
            s.hc[n] = c0[n] + c1[n] * t;
            s.hs[n] = s0[n] + s1[n] * t;
            sum += Math.abs(s.hc[n]) + Math.abs(s.hs[n]);
        }
        s.maxR = 1 + sum;
        double minR = Math.max(0, 1 - sum);
        s.minR2 = minR * minR;
        double minHalf = Math.min(Math.min(s.aPos, s.aNeg), Math.min(s.bPos, s.bNeg));
        double maxHalf = Math.max(Math.max(s.aPos, s.aNeg), Math.max(s.bPos, s.bNeg));
        double reach = s.maxR * maxHalf + margin;
        s.maxRho = s.maxR + margin / minHalf;
        s.uMin = s.cu - reach;
        s.uMax = s.cu + reach;
        s.vMin = s.cv - reach;
        s.vMax = s.cv + reach;
        return s;
    }

    /** One axial cross-section. Keeps the direction of the last point asked about, to spare recomputation. */
    static final class Section {
        double cu;
        double cv;
        double cos;
        double sin;
        double aPos;
        double aNeg;
        double bPos;
        double bNeg;
        final double[] hc = new double[HARMONICS];
        final double[] hs = new double[HARMONICS];
        double maxR;
        double minR2;
        double maxRho;
        double uMin;
        double uMax;
        double vMin;
        double vMax;
        /** Unit direction (cos θ, sin θ) in the normalised frame, ρ and r(θ) of the last depth query. */
        double lastC;
        double lastS;
        double lastRho;
        double lastR;

        /** Whether (u, v) is inside; skips the harmonics for points clearly inside or outside. */
        boolean contains(double u, double v) {
            if (u < uMin || u > uMax || v < vMin || v > vMax) {
                return false;
            }
            double du = u - cu;
            double dv = v - cv;
            double p = du * cos + dv * sin;
            double q = -du * sin + dv * cos;
            double x = p / (p >= 0 ? aPos : aNeg);
            double y = q / (q >= 0 ? bPos : bNeg);
            double r2 = x * x + y * y;
            if (r2 >= maxR * maxR) {
                return false;
            }
            if (r2 < minR2) {
                return true;
            }
            return depth(u, v) > 0;
        }

        /**
         * Distance in mm from the surface to (u, v) along the ray from the centre: positive inside. Not the
         * Euclidean distance, but smooth and exact on the surface, which is what layered tissues need.
         */
        double depth(double u, double v) {
            if (u < uMin || u > uMax || v < vMin || v > vMax) {
                return FAR;
            }
            double du = u - cu;
            double dv = v - cv;
            double p = du * cos + dv * sin;
            double q = -du * sin + dv * cos;
            double ah = p >= 0 ? aPos : aNeg;
            double bh = q >= 0 ? bPos : bNeg;
            double x = p / ah;
            double y = q / bh;
            double r2 = x * x + y * y;
            if (r2 >= maxRho * maxRho) {
                return FAR;
            }
            double rho = Math.sqrt(r2);
            double c;
            double s;
            if (rho < 1e-9) {
                c = 1;
                s = 0;
            } else {
                c = x / rho;
                s = y / rho;
            }
            // cos nθ, sin nθ by repeated complex multiplication: no trigonometric calls per voxel.
            double r = 1 + hc[0] * c + hs[0] * s;
            double cn = c;
            double sn = s;
            for (int n = 1; n < HARMONICS; n++) {
                double cNext = cn * c - sn * s;
                sn = sn * c + cn * s;
                cn = cNext;
                r += hc[n] * cn + hs[n] * sn;
            }
            lastC = c;
            lastS = s;
            lastRho = rho;
            lastR = r;
            double l = Math.sqrt(ah * ah * c * c + bh * bh * s * s);
            return (r - rho) * l;
        }
    }
}
