package io.liverseg.imaging.phantom;

import java.util.Arrays;

/**
 * Capsule segments with linearly tapering radius in the patient frame: vessel trees, bowel, pancreas. A
 * point is inside a segment when its distance to the axis is below the radius at the nearest axis point.
 */
final class Tubes {
    private double[] a = new double[0]; // per segment: ax, ay, az, bx, by, bz, r0, r1
    private int[] tags = new int[0];
    private int n;

    int size() {
        return n;
    }

    int add(double[] p, double[] q, double r0, double r1, int tag) {
        if (n * 8 + 8 > a.length) {
            a = Arrays.copyOf(a, Math.max(64, a.length * 2));
            tags = Arrays.copyOf(tags, Math.max(8, tags.length * 2));
        }
        int o = n * 8;
        a[o] = p[0];
        a[o + 1] = p[1];
        a[o + 2] = p[2];
        a[o + 3] = q[0];
        a[o + 4] = q[1];
        a[o + 5] = q[2];
        a[o + 6] = r0;
        a[o + 7] = r1;
        tags[n] = tag;
        return n++;
    }

    int tag(int segment) {
        return tags[segment];
    }

    /** The segments that can reach plane w, each with its in-plane bounding box there. */
    Slice slice(double w) {
        Slice s = new Slice();
        int[] idx = new int[8];
        double[] box = new double[32];
        int m = 0;
        for (int k = 0; k < n; k++) {
            int o = k * 8;
            double rMax = Math.max(a[o + 6], a[o + 7]);
            double z0 = a[o + 2];
            double z1 = a[o + 5];
            if (w < Math.min(z0, z1) - rMax || w > Math.max(z0, z1) + rMax) {
                continue;
            }
            // Parameter range of axis points within rMax of the plane.
            double t0 = 0;
            double t1 = 1;
            double dz = z1 - z0;
            if (Math.abs(dz) > 1e-9) {
                double ta = (w - rMax - z0) / dz;
                double tb = (w + rMax - z0) / dz;
                t0 = Math.max(0, Math.min(ta, tb));
                t1 = Math.min(1, Math.max(ta, tb));
            }
            double ua = a[o] + t0 * (a[o + 3] - a[o]);
            double ub = a[o] + t1 * (a[o + 3] - a[o]);
            double va = a[o + 1] + t0 * (a[o + 4] - a[o + 1]);
            double vb = a[o + 1] + t1 * (a[o + 4] - a[o + 1]);
            if (m == idx.length) {
                idx = Arrays.copyOf(idx, m * 2);
                box = Arrays.copyOf(box, m * 8);
            }
            idx[m] = k;
            box[m * 4] = Math.min(ua, ub) - rMax;
            box[m * 4 + 1] = Math.max(ua, ub) + rMax;
            box[m * 4 + 2] = Math.min(va, vb) - rMax;
            box[m * 4 + 3] = Math.max(va, vb) + rMax;
            m++;
        }
        s.idx = idx;
        s.box = box;
        s.count = m;
        s.w = w;
        double uMin = Double.MAX_VALUE;
        double uMax = -Double.MAX_VALUE;
        double vMin = Double.MAX_VALUE;
        double vMax = -Double.MAX_VALUE;
        for (int k = 0; k < m; k++) {
            uMin = Math.min(uMin, box[k * 4]);
            uMax = Math.max(uMax, box[k * 4 + 1]);
            vMin = Math.min(vMin, box[k * 4 + 2]);
            vMax = Math.max(vMax, box[k * 4 + 3]);
        }
        s.uMin = uMin;
        s.uMax = uMax;
        s.vMin = vMin;
        s.vMax = vMax;
        if (m > 0) {
            s.bin();
        }
        return s;
    }

    /** Segments near one plane. Keeps the segment, axis point and radius of the last hit. */
    final class Slice {
        int[] idx;
        double[] box;
        int count;
        double w;
        double uMin;
        double uMax;
        double vMin;
        double vMax;
        // Uniform grid over the plane's bounding box; each cell lists the segments whose box overlaps it, so
        // a query looks at a handful of segments instead of every one crossing the plane.
        private int grid;
        private double cellU;
        private double cellV;
        private int[] cellStart;
        private int[] cellItems;
        int lastSegment;
        double lastAxisV;
        double lastRadius;

        private void bin() {
            grid = count < 8 ? 1 : count < 64 ? 8 : 16;
            cellU = Math.max(1e-6, (uMax - uMin) / grid);
            cellV = Math.max(1e-6, (vMax - vMin) / grid);
            int cells = grid * grid;
            int[] counts = new int[cells + 1];
            for (int pass = 0; pass < 2; pass++) {
                for (int m = 0; m < count; m++) {
                    int i0 = cell(box[m * 4], uMin, cellU);
                    int i1 = cell(box[m * 4 + 1], uMin, cellU);
                    int j0 = cell(box[m * 4 + 2], vMin, cellV);
                    int j1 = cell(box[m * 4 + 3], vMin, cellV);
                    for (int j = j0; j <= j1; j++) {
                        for (int i = i0; i <= i1; i++) {
                            int c = i + grid * j;
                            if (pass == 0) {
                                counts[c + 1]++;
                            } else {
                                cellItems[counts[c]++] = m;
                            }
                        }
                    }
                }
                if (pass == 0) {
                    for (int c = 0; c < cells; c++) {
                        counts[c + 1] += counts[c];
                    }
                    cellStart = counts.clone();
                    cellItems = new int[counts[cells]];
                }
            }
        }

        private int cell(double x, double min, double size) {
            int c = (int) ((x - min) / size);
            return c < 0 ? 0 : c >= grid ? grid - 1 : c;
        }

        /** The largest (radius − distance) over segments containing (u, v, w): positive inside, else −1. */
        double depth(double u, double v) {
            if (count == 0 || u < uMin || u > uMax || v < vMin || v > vMax) {
                return -1;
            }
            double best = -1;
            int c = cell(u, uMin, cellU) + grid * cell(v, vMin, cellV);
            for (int e = cellStart[c], end = cellStart[c + 1]; e < end; e++) {
                int m = cellItems[e];
                int b = m * 4;
                if (u < box[b] || u > box[b + 1] || v < box[b + 2] || v > box[b + 3]) {
                    continue;
                }
                int o = idx[m] * 8;
                double dx = a[o + 3] - a[o];
                double dy = a[o + 4] - a[o + 1];
                double dz = a[o + 5] - a[o + 2];
                double px = u - a[o];
                double py = v - a[o + 1];
                double pz = w - a[o + 2];
                double len2 = dx * dx + dy * dy + dz * dz;
                double t = len2 > 0 ? (px * dx + py * dy + pz * dz) / len2 : 0;
                t = t < 0 ? 0 : t > 1 ? 1 : t;
                double ex = px - t * dx;
                double ey = py - t * dy;
                double ez = pz - t * dz;
                double r = a[o + 6] + t * (a[o + 7] - a[o + 6]);
                double d2 = ex * ex + ey * ey + ez * ez;
                if (d2 < r * r) {
                    double depth = r - Math.sqrt(d2);
                    if (depth > best) {
                        best = depth;
                        lastSegment = idx[m];
                        lastAxisV = a[o + 1] + t * dy;
                        lastRadius = r;
                    }
                }
            }
            return best;
        }
    }
}
