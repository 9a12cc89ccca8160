package io.liverseg.imaging.phantom;

/**
 * Smooth 3D lattice noise in [-1, 1]: random values at integer lattice points, blended with smoothstep
 * weights. Unlike a few plane waves it has no preferred direction, so textures (stool, food, tumour
 * heterogeneity) look mottled rather than striped. Used only for the small tissues that need it.
 */
final class ValueNoise {
    private ValueNoise() {
    }

    static double at(long seed, double x, double y, double z) {
        double fx = Math.floor(x);
        double fy = Math.floor(y);
        double fz = Math.floor(z);
        long ix = (long) fx;
        long iy = (long) fy;
        long iz = (long) fz;
        double tx = fade(x - fx);
        double ty = fade(y - fy);
        double tz = fade(z - fz);
        double c00 = lerp(tx, value(seed, ix, iy, iz), value(seed, ix + 1, iy, iz));
        double c10 = lerp(tx, value(seed, ix, iy + 1, iz), value(seed, ix + 1, iy + 1, iz));
        double c01 = lerp(tx, value(seed, ix, iy, iz + 1), value(seed, ix + 1, iy, iz + 1));
        double c11 = lerp(tx, value(seed, ix, iy + 1, iz + 1), value(seed, ix + 1, iy + 1, iz + 1));
        return lerp(tz, lerp(ty, c00, c10), lerp(ty, c01, c11));
    }

    private static double fade(double t) {
        return t * t * (3 - 2 * t);
    }

    private static double lerp(double t, double a, double b) {
        return a + t * (b - a);
    }

    private static double value(long seed, long x, long y, long z) {
        long h = seed ^ x * 0x9E3779B97F4A7C15L ^ y * 0xC2B2AE3D27D4EB4FL ^ z * 0x165667B19E3779F9L;
        h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
        h ^= h >>> 31;
        return (h >>> 11) * 0x1.0p-52 - 1;
    }
}
