package io.liverseg.imaging.phantom;

import io.liverseg.imaging.Volume;
import java.util.Arrays;

/** Small, fast option sets and voxel helpers shared by the phantom tests. */
final class PhantomFixtures {
    private PhantomFixtures() {
    }

    /** 64² matrices (4.8–8 mm voxels) and 12–20 thick slices: a few milliseconds per case. */
    static PhantomOptions tiny() {
        return PhantomOptions.defaults().withSize(64).withSlices(12, 20).withSliceThickness(3, 5).withSeed(42);
    }

    /** 128² matrices: fine enough that organs have interiors to measure HU in. */
    static PhantomOptions small() {
        return PhantomOptions.defaults().withSize(128).withSlices(14, 18).withSliceThickness(4, 5).withSeed(42);
    }

    static long count(Volume label, int value) {
        long n = 0;
        for (int p = 0; p < label.voxels().size(); p++) {
            if (label.voxels().get(p) == value) {
                n++;
            }
        }
        return n;
    }

    /** Voxels of a tissue whose four in-plane neighbours have it too: free of blur from other tissues. */
    static boolean[] interior(byte[] tissues, int tissue, int nx, int ny, int nz) {
        return interior(tissues, tissue, nx, ny, nz, 1);
    }

    /** Voxels of a tissue with the same tissue up to r voxels away along both in-plane axes. */
    static boolean[] interior(byte[] tissues, int tissue, int nx, int ny, int nz, int r) {
        boolean[] in = new boolean[tissues.length];
        for (int k = 0; k < nz; k++) {
            for (int j = r; j < ny - r; j++) {
                for (int i = r; i < nx - r; i++) {
                    int p = i + nx * (j + ny * k);
                    boolean all = tissues[p] == tissue;
                    for (int d = 1; d <= r && all; d++) {
                        all = tissues[p - d] == tissue && tissues[p + d] == tissue
                                && tissues[p - d * nx] == tissue && tissues[p + d * nx] == tissue;
                    }
                    in[p] = all;
                }
            }
        }
        return in;
    }

    static double[] values(Volume image, boolean[] mask) {
        double[] v = new double[image.voxels().size()];
        int n = 0;
        for (int p = 0; p < mask.length; p++) {
            if (mask[p]) {
                v[n++] = image.value(p);
            }
        }
        return Arrays.copyOf(v, n);
    }

    static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s[s.length / 2];
    }

    static double std(double[] v) {
        double m = mean(v);
        return Math.sqrt(Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / Math.max(1, v.length - 1));
    }

    /** World-space centroid (mm) of the voxels with the given label. */
    static double[] centroid(Volume label, int value) {
        double si = 0;
        double sj = 0;
        double sk = 0;
        long n = 0;
        int nx = label.nx();
        int ny = label.ny();
        for (int k = 0; k < label.nz(); k++) {
            for (int j = 0; j < ny; j++) {
                for (int i = 0; i < nx; i++) {
                    if (label.voxels().get(i + nx * (j + ny * k)) == value) {
                        si += i;
                        sj += j;
                        sk += k;
                        n++;
                    }
                }
            }
        }
        return label.affine().apply(si / n, sj / n, sk / n);
    }
}
