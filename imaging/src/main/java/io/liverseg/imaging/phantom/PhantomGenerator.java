package io.liverseg.imaging.phantom;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.DataType;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Synthetic abdominal CT with liver, tumour and hepatic vessel labels, for training and testing while real
 * data is unavailable. Each case is a different patient (body habitus, organ shapes and positions, liver
 * deformation, tumours, vessel tree) scanned differently (contrast phase, field of view, slice thickness and
 * count, table position, noise, blur, HU calibration, storage orientation and type).
 *
 * <p>Case {@code i} depends only on (options, i): it is drawn from a {@link SplittableRandom} seeded from
 * (seed, i), split into independent streams for anatomy, acquisition, scanner, contrast, orientation,
 * storage and noise. Restricting one choice (say, orientation) therefore leaves everything else identical,
 * and the image is rendered on a canonical world grid before being stored, so the same case stored as RAS
 * and LPS has identical voxels at identical world positions.
 *
 * <p>Thread-safe: {@link #generate} keeps no state between calls.
 */
public final class PhantomGenerator {
    private static final double[] THICKNESSES = {1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0};
    private static final int[] PADDING = {-1024, -2048, -3024};
    /** The table's foam core: reported as TABLE in the tissue map, but with its own HU. */
    private static final int TABLE_CORE = -1;

    private final PhantomOptions options;

    public PhantomGenerator(PhantomOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public PhantomOptions options() {
        return options;
    }

    /** Seed of case {@code index}'s random streams: a mix of both, so neighbouring seeds share nothing. */
    public static long caseSeed(long seed, int index) {
        return mix64(mix64(seed) ^ mix64(0x632BE59BD9B4E019L + index * 0x9E3779B97F4A7C15L));
    }

    /** MSD-style case name, e.g. "liver_007" or "hepaticvessel_007". */
    public String caseName(int index) {
        return String.format(Locale.ROOT, "%s_%03d", options.task().filePrefix(), index);
    }

    /** Generates case {@code index} (≥ 0). */
    public PhantomCase generate(int index) {
        return generate(index, false).phantom();
    }

    /** A case with the tissue class of every voxel (storage order), for tests that check HU per tissue. */
    record Detailed(PhantomCase phantom, byte[] tissues) {
    }

    /**
     * A case with its tissue map: which tissue the phantom put at every voxel (the one its label was derived
     * from), for error analysis of a model by tissue.
     *
     * @param tissues uint8 codes on the image's grid and affine; {@link #tissueNames()} names them
     */
    public record WithTissues(PhantomCase phantom, Volume tissues) {
    }

    /** Generates case {@code index} (≥ 0) with its tissue map; the case equals {@link #generate(int)}'s. */
    public WithTissues generateWithTissues(int index) {
        Detailed d = generate(index, true);
        Volume label = d.phantom().label();
        return new WithTissues(d.phantom(),
                new Volume(label.nx(), label.ny(), label.nz(), Voxels.ofUnsignedBytes(d.tissues()), label.affine()));
    }

    /** Names of the tissue codes of {@link WithTissues#tissues()}, by code: index 0 is "air", 14 "ivc", and so on. */
    public static List<String> tissueNames() {
        return List.of(Tissue.NAMES);
    }

    Detailed generateDetailed(int index) {
        return generate(index, true);
    }

    private Detailed generate(int index, boolean keepTissues) {
        if (index < 0) {
            throw new IllegalArgumentException("case index must be >= 0: " + index);
        }
        long cs = caseSeed(options.seed(), index);
        SplittableRandom root = new SplittableRandom(cs);
        SplittableRandom anatomyRng = root.split();
        SplittableRandom acqRng = root.split();
        SplittableRandom scannerRng = root.split();
        SplittableRandom contrastRng = root.split();
        SplittableRandom phaseRng = root.split();
        SplittableRandom orientRng = root.split();
        SplittableRandom storageRng = root.split();
        SplittableRandom noiseRng = root.split();

        ContrastPhase phase = pickPhase(phaseRng, options.phases());
        String orientation = pick(orientRng, options.orientations());
        StorageType storage = pick(storageRng, options.storageTypes());
        Anatomy a = Anatomy.sample(anatomyRng, contrastRng, phase, options.tumourFreeFraction(), options.maxTumours());

        Acquisition q = acquisition(acqRng, a);
        Scanner sc = scanner(scannerRng, a);
        a.px = q.fovX + u(acqRng, -20, 20);
        a.py = q.fovY + u(acqRng, -20, 20);
        a.pz = q.liverZ;
        sc.tableTopY = a.py + a.backRestOffsetY() - sc.tableGap;
        sc.tableX = q.fovX + u(scannerRng, -15, 15);

        return render(index, cs, a, q, sc, phase, orientation, storage, noiseRng, keepTissues);
    }

    // ---------------------------------------------------------------------------------------------------

    private static final class Acquisition {
        int n;
        int nz;
        double dx;
        double dz;
        double fovX;
        double fovY;
        double liverZ;
        double z0;
    }

    private static final class Scanner {
        double huOffset;
        double noise;
        /** Smoothing applied to the noise (its texture), or null for white noise. */
        double[] noiseKernel;
        /** HU by which the body's centre reads darker than its edge (beam-hardening cupping), often 0. */
        double cupping;
        double bodyRadius;
        double blurMm;
        /** Unsharp-mask gain of a sharp reconstruction kernel (edge overshoot), 0 for a soft kernel. */
        double sharpen;
        Integer padding;
        boolean table;
        double tableTopY;
        double tableX;
        double tableGap;
        double tableThk;
        double tableShell;
        double tableCurv;
        double tableHalfW;
        double tableValue;
        double tableCoreHu;
    }

    private Acquisition acquisition(SplittableRandom r, Anatomy a) {
        Acquisition q = new Acquisition();
        q.n = options.size();
        double minT = options.minSliceThickness();
        double maxT = options.maxSliceThickness();
        List<Double> allowed = new ArrayList<>();
        for (double t : THICKNESSES) {
            if (t >= minT - 1e-9 && t <= maxT + 1e-9) {
                allowed.add(t);
            }
        }
        double pickT = r.nextDouble();
        q.dz = allowed.isEmpty() ? minT + pickT * (maxT - minT) : allowed.get((int) (pickT * allowed.size()));
        double coverage = u(r, 140, 380);
        q.nz = (int) Math.max(options.minSlices(), Math.min(options.maxSlices(), Math.round(coverage / q.dz)));

        // Scanners size the field of view to the patient: body width plus a margin, sometimes a tight crop.
        double bodyWidth = a.body.aPos + a.body.aNeg + (a.arms ? 4 * a.armR + 2 * a.armGap : 0);
        double margin = r.nextDouble() < 0.15 ? u(r, -40, 10) : u(r, 15, 90);
        double dx = (bodyWidth + margin) / q.n;
        dx = Math.max(options.minSpacing(), Math.min(options.maxSpacing(), dx));
        double rounded = Math.round(dx * q.n) / (double) q.n; // a whole-mm field of view, as scanners store
        if (rounded >= options.minSpacing() && rounded <= options.maxSpacing()) {
            dx = rounded;
        }
        q.dx = dx;
        q.fovX = u(r, -10, 10);
        q.fovY = u(r, -40, 20);
        q.liverZ = u(r, -600, 200);
        double span = q.nz * q.dz;
        double centre = q.liverZ + u(r, -0.35, 0.35) * Math.max(span, 180) + u(r, 0, 15);
        q.z0 = centre - (q.nz - 1) / 2.0 * q.dz;
        return q;
    }

    private Scanner scanner(SplittableRandom r, Anatomy a) {
        Scanner s = new Scanner();
        s.huOffset = u(r, -10, 10);
        s.noise = u(r, options.minNoise(), options.maxNoise());
        double texture = r.nextDouble();
        s.noiseKernel = texture < 0.4 ? null : texture < 0.75 ? new double[] {0.25, 0.5, 0.25} : gaussianKernel(1.0);
        s.cupping = r.nextDouble() < 0.35 ? u(r, 3, 18) : 0;
        s.bodyRadius = Math.max(a.body.aPos, a.body.aNeg);
        s.blurMm = u(r, 0.35, 1.1);
        s.sharpen = r.nextDouble() < 0.25 ? u(r, 0.2, 0.6) : 0;
        s.padding = r.nextDouble() < 0.3 ? PADDING[r.nextInt(PADDING.length)] : null;
        s.table = r.nextDouble() < 0.8;
        s.tableGap = u(r, 0, 4);
        s.tableThk = u(r, 30, 60);
        s.tableShell = u(r, 1.5, 3);
        s.tableCurv = u(r, 0, 0.0012);
        s.tableHalfW = u(r, 180, 260);
        s.tableValue = u(r, 100, 400);
        s.tableCoreHu = u(r, -950, -850);
        return s;
    }

    private Detailed render(int index, long cs, Anatomy a, Acquisition q, Scanner sc, ContrastPhase phase,
            String orientation, StorageType storage, SplittableRandom noiseRng, boolean keepTissues) {
        int n = q.n;
        int nz = q.nz;
        int plane = n * n;
        double[] xs = new double[n];
        double[] ys = new double[n];
        double x0 = q.fovX - (n - 1) / 2.0 * q.dx;
        double y0 = q.fovY - (n - 1) / 2.0 * q.dx;
        for (int i = 0; i < n; i++) {
            xs[i] = x0 + i * q.dx;
            ys[i] = y0 + i * q.dx;
        }
        a.prepareGrid(xs, ys);

        int sx = orientation.charAt(0) == 'R' ? 1 : -1;
        int sy = orientation.charAt(1) == 'A' ? 1 : -1;
        int sz = orientation.charAt(2) == 'S' ? 1 : -1;
        DataType type = storage.dataType();
        Voxels img = Voxels.allocate(type, plane * nz);
        short[] shorts = type == DataType.INT16 ? img.shortArray() : null;
        float[] floats = type == DataType.FLOAT32 ? img.floatArray() : null;
        double rawOffset = -storage.inter();
        byte[] labels = new byte[plane * nz];
        byte[] tissues = keepTissues ? new byte[plane * nz] : null;
        byte[] labelOf = Tissue.labels(options.task());

        float[] hu = new float[plane];
        byte[] codes = new byte[plane];
        float[] tmp = new float[plane];
        float[] noise = new float[plane];
        double[] kernel = gaussianKernel(sc.blurMm / q.dx);
        double[] wide = gaussianKernel(0.9);
        float[] smooth = sc.sharpen > 0 ? new float[plane] : null;
        // Thick slices average tissue over their thickness: three sub-planes give that partial volume.
        int subs = q.dz > 3.2 ? 3 : 1;
        long[] lesionVoxels = new long[a.lesions.size()];
        long liverVoxels = 0;
        long tumourVoxels = 0;
        long vesselVoxels = 0;
        int liverSlices = 0;
        double padR2 = StrictMath.pow(n / 2.0 * q.dx, 2);
        double cos = a.cosA;
        double sin = a.sinA;

        for (int k = 0; k < nz; k++) {
            double w = q.z0 + k * q.dz - a.pz;
            Anatomy.Slice[] sl = new Anatomy.Slice[subs];
            for (int s = 0; s < subs; s++) {
                double off = subs == 1 ? 0 : (s - 1) * q.dz / 3;
                sl[s] = a.new Slice(w + off, true);
            }
            int centre = subs / 2;
            boolean anyLiver = false;
            for (int j = 0; j < n; j++) {
                double dy = ys[j] - a.py;
                for (int i = 0; i < n; i++) {
                    double dx = xs[i] - a.px;
                    double uu = cos * dx + sin * dy;
                    double vv = -sin * dx + cos * dy;
                    double sum = 0;
                    int code = Tissue.AIR;
                    for (int s = 0; s < subs; s++) {
                        Anatomy.Slice slice = sl[s];
                        int t = slice.eval(uu, vv, i, j);
                        if (t == Tissue.AIR) {
                            t = outside(sc, xs[i], ys[j]);
                            sum += t == Tissue.AIR ? slice.hu : t == Tissue.TABLE ? sc.tableValue : sc.tableCoreHu;
                        } else {
                            sum += slice.hu;
                        }
                        if (s == centre) {
                            code = t;
                            if (t == Tissue.TUMOUR) {
                                lesionVoxels[slice.lesionHit]++;
                            }
                        }
                    }
                    int p = i + n * j;
                    hu[p] = (float) (sum / subs);
                    codes[p] = (byte) (code == TABLE_CORE ? Tissue.TABLE : code);
                    if (Tissue.isLiver(code)) {
                        liverVoxels++;
                        anyLiver = true;
                        if (code == Tissue.PORTAL_VEIN || code == Tissue.HEPATIC_VEIN) {
                            vesselVoxels++;
                        }
                    } else if (code == Tissue.TUMOUR) {
                        tumourVoxels++;
                        anyLiver = true;
                    }
                }
            }
            if (anyLiver) {
                liverSlices++;
            }
            blur(hu, tmp, n, kernel);
            if (smooth != null) {
                System.arraycopy(hu, 0, smooth, 0, plane);
                blur(smooth, tmp, n, wide);
                float g = (float) sc.sharpen;
                for (int p = 0; p < plane; p++) {
                    hu[p] += g * (hu[p] - smooth[p]);
                }
            }
            noise(noiseRng, noise, tmp, n, sc.noise, sc.noiseKernel);

            int ks = sz > 0 ? k : nz - 1 - k;
            for (int j = 0; j < n; j++) {
                int js = sy > 0 ? j : n - 1 - j;
                double dyc = ys[j] - q.fovY;
                for (int i = 0; i < n; i++) {
                    int p = i + n * j;
                    double dxc = xs[i] - q.fovX;
                    double v;
                    int is = sx > 0 ? i : n - 1 - i;
                    int o = is + n * (js + n * ks);
                    if (sc.padding != null && dxc * dxc + dyc * dyc > padR2) {
                        v = sc.padding;
                        if (tissues != null) {
                            tissues[o] = Tissue.PADDING;
                        }
                    } else {
                        if (tissues != null) {
                            tissues[o] = codes[p];
                        }
                        v = hu[p] + sc.huOffset + noise[p];
                        if (sc.cupping > 0 && codes[p] != Tissue.AIR && codes[p] != Tissue.TABLE) {
                            double bx = xs[i] - a.px;
                            double by = ys[j] - a.py;
                            double rho2 = (bx * bx + by * by) / (sc.bodyRadius * sc.bodyRadius);
                            v -= sc.cupping * Math.max(0, 1 - rho2);
                        }
                        v = v < -1024 ? -1024 : v > 3071 ? 3071 : v;
                    }
                    if (shorts != null) {
                        shorts[o] = (short) Math.round(v + rawOffset);
                    } else {
                        floats[o] = (float) v;
                    }
                    labels[o] = labelOf[codes[p]];
                }
            }
        }

        Affine affine = affine(q, xs[0], ys[0], sx, sy, sz);
        int[] dims = {n, n, nz};
        Volume image = new Volume(dims, img, affine, storage.slope(), storage.inter());
        Volume label = new Volume(n, n, nz, Voxels.ofUnsignedBytes(labels), affine);

        List<TumourInfo> tumours = new ArrayList<>();
        int cysts = 0;
        for (int k = 0; k < a.lesions.size(); k++) {
            Anatomy.Lesion l = a.lesions.get(k);
            if (l.cyst) {
                cysts++;
                continue;
            }
            double[] c = l.center;
            double[] world = {round1(a.px + cos * c[0] - sin * c[1]), round1(a.py + sin * c[0] + cos * c[1]),
                round1(a.pz + c[2])};
            double contrast = Math.round(l.delta * 10) / 10.0;
            tumours.add(new TumourInfo(world, Math.round(l.radius * 20) / 10.0, l.kind, contrast, lesionVoxels[k]));
        }
        String name = caseName(index);
        List<String> findings = new ArrayList<>(a.findings);
        if (a.tissueHu.fatty) {
            findings.add("fatty liver");
        }
        if (a.tissueHu.base[Tissue.BOWEL_FLUID] > 100) {
            findings.add("oral contrast");
        }
        if (sc.sharpen > 0) {
            findings.add("sharp kernel");
        }
        if (sc.cupping > 0) {
            findings.add("cupping");
        }
        PhantomInfo info = new PhantomInfo(name, index, options.seed(), cs, options.task(), dims,
                new double[] {q.dx, q.dx, q.dz}, orientation, storage, phase,
                round1(a.tissueHu.base[Tissue.LIVER]), a.tissueHu.fatty, round1(sc.huOffset), round1(sc.noise),
                sc.noiseKernel != null, round1(sc.blurMm * 100) / 100, sc.padding, sc.table,
                liverVoxels, tumourVoxels, vesselVoxels, liverSlices, tumours, cysts, a.hepaticVessels.size(),
                findings);
        return new Detailed(new PhantomCase(name, image, label, info), tissues);
    }

    /** What lies outside the body at world (x, y): air, the table's shell (TABLE) or its foam (TABLE_CORE). */
    private static int outside(Scanner sc, double x, double y) {
        if (!sc.table) {
            return Tissue.AIR;
        }
        double dx = x - sc.tableX;
        if (Math.abs(dx) > sc.tableHalfW) {
            return Tissue.AIR;
        }
        double top = sc.tableTopY + sc.tableCurv * dx * dx;
        double below = top - y;
        if (below < 0 || below > sc.tableThk) {
            return Tissue.AIR;
        }
        boolean shell = below < sc.tableShell || below > sc.tableThk - sc.tableShell
                || sc.tableHalfW - Math.abs(dx) < sc.tableShell;
        return shell ? Tissue.TABLE : TABLE_CORE;
    }

    private static Affine affine(Acquisition q, double x0, double y0, int sx, int sy, int sz) {
        int n = q.n;
        double ox = sx > 0 ? x0 : x0 + (n - 1) * q.dx;
        double oy = sy > 0 ? y0 : y0 + (n - 1) * q.dx;
        double oz = sz > 0 ? q.z0 : q.z0 + (q.nz - 1) * q.dz;
        return Affine.of(
                sx * q.dx, 0, 0, ox,
                0, sy * q.dx, 0, oy,
                0, 0, sz * q.dz, oz,
                0, 0, 0, 1);
    }

    // ---------------------------------------------------------------------------------------------------
    // Image formation

    static double[] gaussianKernel(double sigma) {
        double s = Math.max(0.3, sigma);
        int r = Math.max(1, (int) Math.ceil(2.5 * s));
        double[] k = new double[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) {
            k[i + r] = StrictMath.exp(-0.5 * i * i / (s * s));
            sum += k[i + r];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        return k;
    }

    /** Separable in-place blur of an n×n plane, clamping at the borders; row-wise passes stay cache-friendly. */
    static void blur(float[] img, float[] tmp, int n, double[] k) {
        int r = k.length / 2;
        for (int j = 0; j < n; j++) {
            int row = j * n;
            for (int i = 0; i < n; i++) {
                double s = 0;
                if (i >= r && i < n - r) {
                    for (int t = -r; t <= r; t++) {
                        s += k[t + r] * img[row + i + t];
                    }
                } else {
                    for (int t = -r; t <= r; t++) {
                        int ii = i + t;
                        ii = ii < 0 ? 0 : ii >= n ? n - 1 : ii;
                        s += k[t + r] * img[row + ii];
                    }
                }
                tmp[row + i] = (float) s;
            }
        }
        for (int j = 0; j < n; j++) {
            int row = j * n;
            java.util.Arrays.fill(img, row, row + n, 0f);
            for (int t = -r; t <= r; t++) {
                int jj = j + t;
                jj = jj < 0 ? 0 : jj >= n ? n - 1 : jj;
                float kt = (float) k[t + r];
                int src = jj * n;
                for (int i = 0; i < n; i++) {
                    img[row + i] += kt * tmp[src + i];
                }
            }
        }
    }

    /** Fills {@code out} with N(0, sigma²) noise: white, or smoothed by a kernel and rescaled to sigma. */
    static void noise(SplittableRandom r, float[] out, float[] tmp, int n, double sigma, double[] kernel) {
        Gaussians.fill(r, out, sigma);
        if (kernel != null) {
            blur(out, tmp, n, kernel);
            // A separable kernel keeps (Σk²)² of white-noise variance.
            double s2 = 0;
            for (double k : kernel) {
                s2 += k * k;
            }
            float gain = (float) (1 / s2);
            for (int p = 0; p < out.length; p++) {
                out[p] *= gain;
            }
        }
    }

    private static ContrastPhase pickPhase(SplittableRandom r, List<ContrastPhase> phases) {
        double total = 0;
        for (ContrastPhase p : phases) {
            total += p.weight();
        }
        double x = r.nextDouble() * total;
        for (ContrastPhase p : phases) {
            x -= p.weight();
            if (x < 0) {
                return p;
            }
        }
        return phases.get(phases.size() - 1);
    }

    private static <T> T pick(SplittableRandom r, List<T> choices) {
        return choices.get(r.nextInt(choices.size()));
    }

    private static double u(SplittableRandom r, double a, double b) {
        return a + (b - a) * r.nextDouble();
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
