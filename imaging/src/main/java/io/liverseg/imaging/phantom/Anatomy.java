package io.liverseg.imaging.phantom;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One phantom patient: every organ's shape and position in the patient frame, sampled from a seed.
 *
 * <p>Patient frame: u towards the patient's right, v anterior, w superior, in mm — the same directions as
 * world RAS+ (+x = patient right). The frame's origin sits at mid-liver height in the body centre and is
 * placed in world space by (px, py, pz) and a small rotation about the scanner axis. Because anatomy lives in
 * world space, a case stored as RAS or LPS is the same patient; only the voxel order differs. The liver is on
 * the patient's right, so at u &gt; 0 (world x &gt; 0); spleen and stomach at u &lt; 0.
 *
 * <p>A voxel's tissue is found by walking outside-in with early exits (air, skin fat, wall muscle, cavity,
 * thorax or abdomen), and within the abdomen by a fixed priority, so organs that overlap in their sampled
 * shapes dent each other instead of intersecting: kidneys, gallbladder and IVC carve the liver, the liver
 * carves bowel. That gives the contact surfaces real livers have without modelling them one by one.
 */
final class Anatomy {
    // World placement of the patient frame.
    double px;
    double py;
    double pz;
    double cosA = 1;
    double sinA;

    final StarShape body = new StarShape();
    // Arms down at the sides (trauma-style positioning), outside the body outline.
    boolean arms;
    double armR;
    double armGap;
    double armV;
    double armFat;
    double humerusR;
    double fatLat;
    double fatAnt;
    double fatPost;
    double mLat;
    double mAnt;
    double mPost;
    double cavR;
    double cavL;
    double cavA;
    double cavP;

    // Spine.
    double scolAmp;
    double scolK;
    double scolPhase;
    double vbV;
    double vbRx;
    double vbRy;
    double cortexT;
    double canalR;
    double canalGap;
    double archT;
    double spinousTipV;
    double spinousHalfW;
    double transverseLen;
    double levelPeriod;
    double levelPhase;
    double discT;

    // Ribs: rib k runs at height ribW0[k] − ribDrop(k, s) at arc angle s from the posterior midline: gently
    // down beside the spine, steeply down along the flank, level again towards the costal cartilages.
    double[] ribW0;
    double[] ribK;
    double[] ribKl;
    double[] ribKa;
    double[] ribSEnd;
    double[] ribLow;
    double ribS1;
    double ribS2;
    double ribSStart;
    double ribHalfH;
    double ribHalfR;
    double ribDepthFrac;
    double cartilageS;
    double xiphoidW;
    double sternumHalfW;

    // Diaphragm: two paraboloid domes, deeper posteriorly (costophrenic recesses).
    double domeRU;
    double domeLU;
    double domeV;
    double domeRH;
    double domeLH;
    double domeCurv;
    double kPost;
    double diaThk;

    // Great vessels.
    double aortaR;
    double aortaU;
    double aortaV;
    double bifurcationW;
    double hiatusW;
    double[] plaqueAng = new double[0];
    double[] plaqueHalf = new double[0];
    double[] plaqueW0 = new double[0];
    double[] plaqueW1 = new double[0];
    double ivcU;
    double ivcV;
    double ivcA;
    double ivcB;
    double ivcTop;
    double esoU;
    double esoV;
    double esoR;

    StarShape psoasL;
    StarShape psoasR;
    StarShape kidneyL;
    StarShape kidneyR;
    StarShape renalCyst;
    StarShape spleen;
    StarShape stomach;
    StarShape gallbladder;
    StarShape heart;
    final List<StarShape> liverLobes = new ArrayList<>();
    Waves liverDu;
    Waves liverDv;
    double liverDispMax;
    double kidneyCortex;
    int pyramids;
    double pyramidPhase;
    double stomachWall;
    double stomachAirV = Double.MAX_VALUE;
    double gbWall;
    final List<double[]> stones = new ArrayList<>();
    double heartMyo;
    double pericardialFat;
    final Tubes pancreas = new Tubes();
    final Tubes bowel = new Tubes();
    final Tubes hepaticVessels = new Tubes();
    double[] bowelAir = new double[0];
    double[] bowelWall = new double[0];
    final List<Lesion> lesions = new ArrayList<>();
    Waves liverTex;
    Waves spleenTex;
    Waves lungTex;
    /** Seed of this patient's lattice-noise textures. */
    long noiseSeed;
    double liverTop;
    double liverBottom;
    /** What this patient has that most do not, for {@link PhantomInfo#findings()}. */
    final List<String> findings = new ArrayList<>();
    /** Perihepatic ascites thickness in mm, 0 for none. */
    double ascites;
    /** Partial hepatectomy: liver where n·(p − p0) &gt; 0 is gone. Null when intact. */
    double[] resectionN;
    double[] resectionP;
    /** Fluid in the resection bed: mm beyond the cut that were liver and now read as fluid. */
    double resectionBed;
    TissueHu tissueHu;

    // Render grid: world offsets of columns and rows from the patient origin, and each field's column tables.
    private double[] gridDys;
    private Waves.Columns cDu;
    private Waves.Columns cDv;
    private Waves.Columns cLiver;
    private Waves.Columns cSpleen;
    private Waves.Columns cLung;

    private static final Tubes NO_TUBES = new Tubes();
    static final int PORTAL = 0;
    static final int HEPATIC = 1;
    static final int SMALL_BOWEL = 0;
    static final int COLON = 1;

    /** A tumour or a benign cyst inside the liver. */
    static final class Lesion {
        StarShape shape;
        double radius;
        double[] center;
        boolean cyst;
        TumourKind kind = TumourKind.HYPODENSE;
        double delta;
        double rimDelta;
        double rimWidth;
        double edge;
        double coreFrac;
        double coreDelta;
        double texAmp;
        double texScale;
        double floorHu;
    }

    static double u(SplittableRandom r, double a, double b) {
        return a + (b - a) * r.nextDouble();
    }

    private static double logU(SplittableRandom r, double a, double b) {
        return StrictMath.exp(u(r, StrictMath.log(a), StrictMath.log(b)));
    }

    private static void harmonics(SplittableRandom r, StarShape s, double amp, double slope, int from) {
        for (int n = from; n < StarShape.HARMONICS; n++) {
            s.c0[n] = u(r, -amp, amp);
            s.s0[n] = u(r, -amp, amp);
            s.c1[n] = u(r, -slope, slope);
            s.s1[n] = u(r, -slope, slope);
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Sampling

    /**
     * Samples a patient. {@code anatomyRng} decides every shape and position; {@code contrastRng} the HU of
     * tissues and lesions, so the same anatomy can appear in different phases.
     */
    static Anatomy sample(SplittableRandom r, SplittableRandom contrastRng, ContrastPhase phase,
            double tumourFreeFraction, int maxTumours) {
        Anatomy a = new Anatomy();
        a.tissueHu = TissueHu.sample(contrastRng, phase);
        double rot = Math.toRadians(u(r, -5, 5));
        a.cosA = StrictMath.cos(rot);
        a.sinA = StrictMath.sin(rot);
        a.sampleBody(r);
        a.sampleSpine(r);
        a.sampleRibs(r);
        a.sampleDiaphragm(r);
        a.sampleGreatVessels(r);
        a.sampleLiver(r);
        a.sampleOrgans(r);
        a.sampleBowel(r);
        a.sampleTextures(r);
        a.sampleVariants(r);
        a.sampleLesions(r, contrastRng, tumourFreeFraction, maxTumours);
        a.sampleVesselTree(r);
        return a;
    }

    private void sampleBody(SplittableRandom r) {
        double obese = r.nextDouble();
        obese *= obese;
        double cavHalfW = u(r, 105, 145);
        double cavAnt = u(r, 60, 95);
        double cavPost = u(r, 70, 95);
        fatLat = 4 + obese * u(r, 15, 40);
        fatAnt = 5 + obese * u(r, 20, 50);
        fatPost = 3 + obese * u(r, 8, 25);
        mLat = u(r, 8, 15);
        mAnt = u(r, 7, 13);
        mPost = u(r, 40, 58);
        body.hzUp = 600;
        body.hzDown = 600;
        body.pUp = 4;
        body.pDown = 4;
        body.ka = u(r, -0.1, 0.1);
        body.kb = u(r, -0.1, 0.1);
        body.aPos = cavHalfW * u(r, 0.97, 1.03) + fatLat + mLat;
        body.aNeg = cavHalfW * u(r, 0.97, 1.03) + fatLat + mLat;
        body.bPos = cavAnt + fatAnt + mAnt;
        body.bNeg = cavPost + fatPost + mLat;
        body.c0[1] = u(r, -0.04, 0.04);
        body.c0[2] = u(r, -0.02, 0.02);
        body.c0[3] = u(r, -0.05, 0.0);
        body.s0[0] = u(r, -0.02, 0.02);
        body.c1[1] = u(r, -0.03, 0.03);
        body.c1[3] = u(r, -0.03, 0.03);
        cavR = body.aPos - fatLat - mLat;
        cavL = -(body.aNeg - fatLat - mLat);
        cavA = body.bPos - fatAnt - mAnt;
        cavP = -(body.bNeg - fatPost - mLat);
    }

    private void sampleSpine(SplittableRandom r) {
        vbRy = u(r, 14, 19);
        vbRx = vbRy * u(r, 1.15, 1.35);
        vbV = cavP + mPost + vbRy * u(r, 0.5, 0.9);
        cortexT = u(r, 1.2, 2.5);
        canalR = u(r, 7, 10);
        canalGap = u(r, 0.5, 3);
        archT = u(r, 4, 7);
        spinousTipV = -body.bNeg + fatPost + u(r, 5, 12);
        spinousHalfW = u(r, 3, 5);
        transverseLen = vbRx + u(r, 10, 25);
        levelPeriod = u(r, 30, 36);
        levelPhase = u(r, 0, levelPeriod);
        discT = u(r, 6, 10);
        scolAmp = r.nextDouble() < 0.2 ? u(r, 2, 10) : u(r, 0, 2);
        scolK = 2 * Math.PI / u(r, 250, 600);
        scolPhase = u(r, 0, 2 * Math.PI);
    }

    private void sampleRibs(SplittableRandom r) {
        int n = 7; // ribs 12 (lowest, floating) upwards; higher ones are above any liver slice
        ribW0 = new double[n];
        ribK = new double[n];
        ribKl = new double[n];
        ribKa = new double[n];
        ribSEnd = new double[n];
        ribLow = new double[n];
        ribSStart = u(r, 0.25, 0.4);
        ribS1 = u(r, 1.0, 1.25);
        ribS2 = u(r, 2.0, 2.3);
        ribHalfH = u(r, 4, 6.5);
        ribHalfR = u(r, 2.8, 4.5);
        double lowest = u(r, -40, 0);
        double spacing = u(r, 24, 32);
        for (int k = 0; k < n; k++) {
            ribW0[k] = lowest + k * spacing + u(r, -3, 3);
            ribK[k] = u(r, 18, 35);
            ribKl[k] = u(r, 55, 90);
            ribKa[k] = u(r, -15, 10);
            ribSEnd[k] = k == 0 ? u(r, 1.1, 1.5) : k == 1 ? u(r, 1.5, 2.0) : u(r, 2.5, 2.95);
            double maxDrop = Math.max(ribDrop(k, Math.min(ribS2, ribSEnd[k])), ribDrop(k, ribSEnd[k]));
            ribLow[k] = ribW0[k] - maxDrop - ribHalfH;
        }
        ribDepthFrac = u(r, 0.35, 0.65);
        cartilageS = u(r, 2.0, 2.4);
        xiphoidW = u(r, 30, 80);
        sternumHalfW = u(r, 8, 14);
    }

    double ribDrop(int k, double s) {
        double d = ribK[k] * (Math.min(s, ribS1) - ribSStart);
        if (s > ribS1) {
            d += ribKl[k] * (Math.min(s, ribS2) - ribS1);
        }
        if (s > ribS2) {
            d += ribKa[k] * (s - ribS2);
        }
        return d;
    }

    private void sampleDiaphragm(SplittableRandom r) {
        domeRH = u(r, 70, 100);
        domeLH = domeRH - u(r, 0, 25);
        domeRU = cavR * u(r, 0.35, 0.55);
        domeLU = cavL * u(r, 0.35, 0.55);
        domeV = u(r, -25, 5);
        domeCurv = u(r, 90, 150);
        kPost = u(r, 0.3, 0.7);
        diaThk = u(r, 3, 5);
    }

    /** Height of the diaphragm's upper surface above (u, v): lung above, abdomen below. */
    double diaphragm(double u, double v) {
        double dvv = v - domeV;
        double post = -dvv - 15;
        double drop = post > 0 ? kPost * post : 0;
        double inv = 1 / (2 * domeCurv);
        double dr = domeRH - ((u - domeRU) * (u - domeRU) + dvv * dvv) * inv;
        double dl = domeLH - ((u - domeLU) * (u - domeLU) + dvv * dvv) * inv;
        return Math.max(dr, dl) - drop;
    }

    private void sampleGreatVessels(SplittableRandom r) {
        aortaR = u(r, 9, 14);
        aortaU = -u(r, 5, 18);
        aortaV = vbV + vbRy + aortaR + u(r, 0, 6);
        bifurcationW = -u(r, 110, 180);
        hiatusW = domeLH - u(r, 40, 70);
        if (r.nextDouble() < 0.4) {
            findings.add("aortic calcification");
            int n = 1 + r.nextInt(6);
            plaqueAng = new double[n];
            plaqueHalf = new double[n];
            plaqueW0 = new double[n];
            plaqueW1 = new double[n];
            for (int i = 0; i < n; i++) {
                plaqueAng[i] = u(r, -Math.PI, Math.PI);
                plaqueHalf[i] = u(r, 0.15, 0.6);
                plaqueW0[i] = u(r, bifurcationW - 30, 120);
                plaqueW1[i] = plaqueW0[i] + u(r, 2, 12);
            }
        }
        ivcA = u(r, 10, 16);
        ivcB = u(r, 7, 13);
        ivcU = aortaU + aortaR + ivcA + u(r, 4, 16);
        ivcV = aortaV + u(r, -8, 8);
        ivcTop = domeRH + u(r, 0, 10);
        esoR = u(r, 6, 9);
        esoU = aortaU + u(r, 8, 18);
        esoV = aortaV + aortaR + esoR + u(r, 1, 6);
    }

    private void sampleLiver(SplittableRandom r) {
        double sc = u(r, 0.85, 1.2);
        StarShape right = new StarShape();
        right.cu = cavR * u(r, 0.3, 0.5);
        right.cv = u(r, -0.2, 0.1) * cavA;
        right.aPos = (cavR - right.cu) + u(r, 5, 30);
        right.aNeg = u(r, 45, 80) * sc;
        right.bPos = (cavA - right.cv) * u(r, 0.75, 1.05);
        right.bNeg = (right.cv - cavP) * u(r, 0.7, 1.0);
        right.wc = u(r, -15, 15);
        right.hzUp = domeRH - right.wc + u(r, 5, 30);
        right.hzDown = u(r, 55, 115) * sc;
        right.pUp = u(r, 1.8, 2.6);
        right.pDown = u(r, 1.4, 2.4);
        right.su = u(r, -0.25, 0.05);
        right.sv = u(r, -0.3, 0.05);
        right.ka = u(r, -0.1, 0.2);
        right.kb = u(r, -0.1, 0.2);
        right.phi0 = u(r, -0.25, 0.25);
        right.phi1 = u(r, -0.2, 0.2);
        harmonics(r, right, 0.07, 0.05, 1);
        liverLobes.add(right);

        StarShape left = new StarShape();
        left.cu = cavL * u(r, 0.0, 0.3);
        left.cv = cavA - u(r, 18, 40);
        left.aPos = (right.cu - left.cu) * u(r, 0.75, 1.0);
        left.aNeg = u(r, 30, 110) * sc;
        left.bPos = u(r, 22, 40);
        left.bNeg = u(r, 22, 45) * sc;
        left.wc = u(r, 10, 45);
        left.hzUp = u(r, 30, 55);
        left.hzDown = u(r, 30, 65) * sc;
        left.pUp = u(r, 1.8, 2.6);
        left.pDown = u(r, 1.5, 2.5);
        left.su = u(r, -0.15, 0.15);
        left.sv = u(r, -0.2, 0.1);
        left.phi0 = u(r, -0.35, 0.2);
        harmonics(r, left, 0.06, 0.04, 1);
        liverLobes.add(left);

        StarShape caudate = new StarShape();
        caudate.cu = ivcU - u(r, 5, 20);
        caudate.cv = ivcV + u(r, 15, 30);
        caudate.wc = u(r, -10, 30);
        caudate.aPos = u(r, 15, 28);
        caudate.aNeg = u(r, 15, 28);
        caudate.bPos = u(r, 12, 22);
        caudate.bNeg = u(r, 12, 22);
        caudate.hzUp = u(r, 25, 45);
        caudate.hzDown = u(r, 25, 45);
        harmonics(r, caudate, 0.05, 0.03, 1);
        liverLobes.add(caudate);

        liverDu = Waves.random(r, 4, 60, 200, 2, 9);
        liverDv = Waves.random(r, 4, 60, 200, 2, 9);
        if (r.nextDouble() < 0.15) {
            findings.add("cirrhotic surface");
            // Nodular (cirrhotic-looking) surface: one short wave per component.
            for (Waves wv : new Waves[] {liverDu, liverDv}) {
                double k = 2 * Math.PI / u(r, 14, 30);
                double z = u(r, -1, 1);
                double az = u(r, 0, 2 * Math.PI);
                double s = Math.sqrt(1 - z * z);
                wv.ku[3] = k * s * StrictMath.cos(az);
                wv.kv[3] = k * s * StrictMath.sin(az);
                wv.kw[3] = k * z;
                wv.amp[3] = u(r, 1.5, 3);
            }
        }
        liverDispMax = 0;
        for (int i = 0; i < 4; i++) {
            liverDispMax = Math.max(liverDispMax, Math.abs(liverDu.amp[i]) + Math.abs(liverDv.amp[i]));
        }
        liverDispMax *= 4;
        liverTop = domeRH;
        liverBottom = Math.min(right.bottom(), Math.min(left.bottom(), caudate.bottom()));
    }

    private void sampleOrgans(SplittableRandom r) {
        double psoasTop = u(r, -60, -20);
        psoasL = psoas(r, -1, psoasTop);
        psoasR = psoas(r, 1, psoasTop);

        kidneyCortex = u(r, 5, 8);
        pyramids = 5 + r.nextInt(4);
        pyramidPhase = u(r, 0, 2 * Math.PI);
        kidneyR = kidney(r, 1, u(r, -95, -55));
        kidneyL = kidney(r, -1, kidneyR.wc + u(r, 5, 25));
        if (r.nextDouble() < 0.2) {
            StarShape k = r.nextBoolean() ? kidneyR : kidneyL;
            double rad = u(r, 5, 14);
            renalCyst = ball(k.cu + u(r, -15, 15), k.cv + u(r, -15, 15), k.wc + u(r, -35, 35), rad);
        }

        spleen = new StarShape();
        boolean splenomegaly = r.nextDouble() < 0.1;
        double big = splenomegaly ? u(r, 1.3, 1.7) : u(r, 0.8, 1.15);
        if (splenomegaly) {
            findings.add("splenomegaly");
        }
        spleen.cu = cavL + u(r, 30, 50);
        spleen.cv = cavP + u(r, 40, 75);
        spleen.wc = u(r, 0, 45);
        spleen.aPos = u(r, 18, 30) * big;
        spleen.aNeg = u(r, 20, 32) * big;
        spleen.bPos = u(r, 40, 65) * big;
        spleen.bNeg = u(r, 40, 60) * big;
        spleen.phi0 = u(r, 0.3, 0.8);
        spleen.hzUp = u(r, 40, 65) * big;
        spleen.hzDown = u(r, 40, 70) * big;
        spleen.su = u(r, -0.2, 0.1);
        spleen.sv = u(r, -0.1, 0.3);
        harmonics(r, spleen, 0.08, 0.05, 1);
        spleen.c0[1] += u(r, 0.03, 0.1);

        stomach = new StarShape();
        stomach.cu = cavL * u(r, 0.3, 0.55);
        stomach.cv = cavA * u(r, 0.0, 0.45);
        stomach.wc = u(r, 0, 40);
        double dist = u(r, 0.6, 1.2);
        stomach.aPos = u(r, 30, 55) * dist;
        stomach.aNeg = u(r, 30, 55) * dist;
        stomach.bPos = u(r, 25, 50) * dist;
        stomach.bNeg = u(r, 25, 45) * dist;
        stomach.hzUp = u(r, 40, 70);
        stomach.hzDown = u(r, 50, 100);
        stomach.su = u(r, -0.6, -0.2);
        stomach.sv = u(r, -0.3, 0.0);
        stomach.phi0 = u(r, -0.5, 0.5);
        harmonics(r, stomach, 0.08, 0.05, 1);
        stomachWall = u(r, 3, 7) / Math.sqrt(dist);
        if (tissueHu.stomachAir) {
            stomachAirV = stomach.cv + u(r, 0.2, 0.85) * stomach.bPos;
        }

        if (r.nextDouble() < 0.88) {
            gallbladder = new StarShape();
            gallbladder.cu = cavR * u(r, 0.2, 0.42);
            gallbladder.cv = cavA * u(r, 0.1, 0.5);
            gallbladder.wc = u(r, -65, -25);
            gallbladder.aPos = u(r, 11, 22);
            gallbladder.aNeg = u(r, 11, 22);
            gallbladder.bPos = u(r, 11, 22);
            gallbladder.bNeg = u(r, 11, 22);
            gallbladder.hzUp = u(r, 25, 40);
            gallbladder.hzDown = u(r, 15, 30);
            gallbladder.su = u(r, -0.3, 0.3);
            gallbladder.sv = u(r, -0.3, 0.3);
            gallbladder.phi0 = u(r, -1, 1);
            harmonics(r, gallbladder, 0.04, 0.02, 1);
            gbWall = u(r, 1.2, 3);
            if (r.nextDouble() < 0.12) {
                findings.add("gallstones");
                int n = 1 + r.nextInt(3);
                for (int i = 0; i < n; i++) {
                    stones.add(new double[] {gallbladder.cu + u(r, -5, 5),
                            gallbladder.cv - u(r, 2, 8), gallbladder.wc + u(r, -10, 10), u(r, 2, 6)});
                }
            }
        }

        heart = new StarShape();
        heart.cu = -u(r, 10, 40);
        heart.cv = cavA - u(r, 45, 65);
        heart.wc = domeLH + u(r, 30, 55);
        heart.aPos = u(r, 40, 55);
        heart.aNeg = u(r, 50, 70);
        heart.bPos = u(r, 40, 55);
        heart.bNeg = u(r, 35, 50);
        heart.hzUp = 80;
        heart.hzDown = u(r, 50, 70);
        heart.phi0 = u(r, -0.6, -0.2);
        harmonics(r, heart, 0.04, 0.02, 1);
        heartMyo = u(r, 8, 14);
        pericardialFat = u(r, 2, 12);
        heart.margin = pericardialFat;

        // Pancreas: tail at the splenic hilum, body over the aorta, head in the duodenal sweep.
        double bodyW = u(r, -50, -20);
        double[] tail = {spleen.cu + u(r, 25, 40), spleen.cv + u(r, 5, 20), spleen.wc - u(r, 10, 30)};
        double[] mid = {aortaU + u(r, -5, 10), aortaV + aortaR + u(r, 12, 22), bodyW};
        double[] head = {ivcU + u(r, -5, 8), ivcV + ivcB + u(r, 12, 25), bodyW - u(r, 10, 30)};
        double[] unc = {head[0] - u(r, 0, 10), head[1] - u(r, 0, 10), head[2] - u(r, 15, 25)};
        double rt = u(r, 7, 11);
        double rb = u(r, 8, 12);
        double rh = u(r, 12, 18);
        pancreas.add(tail, mid, rt, rb, 0);
        pancreas.add(mid, head, rb, rh, 0);
        pancreas.add(head, unc, rh, rh * 0.7, 0);
    }

    private StarShape psoas(SplittableRandom r, int side, double top) {
        StarShape s = new StarShape();
        s.cu = side * (vbRx + u(r, 12, 20));
        s.cv = vbV + u(r, -8, 4);
        s.wc = top - 200;
        s.hzUp = 200;
        s.hzDown = 200;
        s.pUp = u(r, 1.0, 1.4);
        s.aPos = u(r, 18, 26);
        s.aNeg = s.aPos;
        s.bPos = u(r, 15, 22);
        s.bNeg = s.bPos;
        s.su = -side * u(r, 0.05, 0.15);
        s.cu -= s.su * 150; // place it as sampled 50 mm below its top, where it is first seen
        s.phi0 = side * u(r, -0.3, 0.3);
        return s;
    }

    /** side +1 = right kidney. Its local +p axis points lateral-posterior, so the hilum is at p &lt; 0. */
    private StarShape kidney(SplittableRandom r, int side, double wc) {
        StarShape k = new StarShape();
        k.cu = side * (vbRx + u(r, 38, 58));
        k.cv = cavP + u(r, 35, 50);
        k.wc = wc;
        k.aPos = u(r, 20, 28);
        k.aNeg = u(r, 20, 28);
        k.bPos = u(r, 25, 32);
        k.bNeg = u(r, 25, 32);
        k.hzUp = u(r, 45, 62);
        k.hzDown = u(r, 45, 62);
        k.phi0 = side > 0 ? -u(r, 0.5, 0.9) : Math.PI + u(r, 0.5, 0.9);
        k.su = -side * u(r, 0.1, 0.25);
        k.sv = -u(r, 0, 0.15);
        harmonics(r, k, 0.03, 0.02, 1);
        return k;
    }

    private static StarShape ball(double cu, double cv, double wc, double rad) {
        StarShape s = new StarShape();
        s.cu = cu;
        s.cv = cv;
        s.wc = wc;
        s.aPos = rad;
        s.aNeg = rad;
        s.bPos = rad;
        s.bNeg = rad;
        s.hzUp = rad;
        s.hzDown = rad;
        return s;
    }

    private void sampleBowel(SplittableRandom r) {
        List<Double> air = new ArrayList<>();
        List<Double> wall = new ArrayList<>();
        // Colon frame: ascending, hepatic flexure under the liver, transverse, splenic flexure, descending.
        double hf = liverBottom + u(r, 0, 25);
        double sfW = spleen.bottom() + u(r, -10, 25);
        double[][] colon = {
            {cavR - u(r, 20, 40), cavP * u(r, 0.1, 0.4), -320},
            {cavR - u(r, 20, 40), cavP * u(r, 0.0, 0.3), (hf - 320) / 2},
            {cavR - u(r, 25, 45), cavA * u(r, 0.0, 0.4), hf},
            {u(r, -20, 20), cavA - u(r, 20, 40), hf - u(r, 0, 60)},
            {cavL + u(r, 25, 45), cavA * u(r, -0.2, 0.3), sfW},
            {cavL + u(r, 20, 35), cavP * u(r, 0.1, 0.4), (sfW - 320) / 2},
            {cavL + u(r, 20, 35), cavP * u(r, 0.1, 0.4), -320},
        };
        for (int s = 0; s + 1 < colon.length; s++) {
            double[] p = colon[s];
            double[] q = colon[s + 1];
            double len = dist(p, q);
            int parts = Math.max(1, (int) Math.round(len / 30));
            double[] prev = p;
            for (int k = 1; k <= parts; k++) {
                double t = (double) k / parts;
                double[] next = k == parts ? q : new double[] {
                    p[0] + t * (q[0] - p[0]) + u(r, -8, 8),
                    p[1] + t * (q[1] - p[1]) + u(r, -8, 8),
                    p[2] + t * (q[2] - p[2]) + u(r, -8, 8)};
                bowel.add(prev, next, u(r, 14, 26), u(r, 14, 26), COLON);
                air.add(tissueHu.colonAir ? u(r, -0.3, 0.9) : 2.0);
                wall.add(u(r, 1.5, 3));
                prev = next;
            }
        }
        int walks = 5 + r.nextInt(10);
        for (int k = 0; k < walks; k++) {
            double[] p = {u(r, cavL * 0.7, cavR * 0.6), u(r, cavP * 0.1, cavA * 0.8), u(r, -320, liverBottom + 20)};
            double[] dir = randomUnit(r);
            double rad = u(r, 8, 14);
            int steps = 6 + r.nextInt(9);
            for (int s = 0; s < steps; s++) {
                double[] d = randomUnit(r);
                for (int c = 0; c < 3; c++) {
                    dir[c] = dir[c] * 0.6 + d[c] * 0.8;
                }
                normalise(dir);
                double step = u(r, 18, 30);
                double[] q = {p[0] + dir[0] * step, p[1] + dir[1] * step, p[2] + dir[2] * step};
                // Stay inside the cavity's ellipse: reflect at its edge.
                double eu = q[0] > 0 ? q[0] / (cavR - rad) : q[0] / (cavL + rad);
                double ev = q[1] > 0 ? q[1] / (cavA - rad) : q[1] / (cavP + rad);
                if (eu * eu + ev * ev > 1) {
                    dir[0] = -dir[0];
                    dir[1] = -dir[1];
                    continue;
                }
                bowel.add(p, q, rad, rad, SMALL_BOWEL);
                air.add(r.nextDouble() < 0.12 ? u(r, 0.3, 0.85) : 2.0);
                wall.add(u(r, 1.5, 3));
                p = q;
            }
        }
        bowelAir = air.stream().mapToDouble(Double::doubleValue).toArray();
        bowelWall = wall.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Less common findings and positioning: real scans have them, so a model must not be thrown by them. */
    private void sampleVariants(SplittableRandom r) {
        arms = r.nextDouble() < 0.12;
        armR = u(r, 38, 55);
        armGap = u(r, 5, 40);
        armV = u(r, -30, 30);
        armFat = u(r, 4, 15) + fatLat * 0.5;
        humerusR = u(r, 10, 13);
        ascites = r.nextDouble() < 0.08 ? u(r, 3, 25) : 0;
        if (arms) {
            findings.add("arms at sides");
        }
        if (ascites > 0) {
            findings.add("ascites");
        }
        if (r.nextDouble() < 0.06) {
            double az = u(r, 0, 2 * Math.PI);
            double[] n = {StrictMath.cos(az), StrictMath.sin(az), u(r, -0.3, 0.3)};
            normalise(n);
            StarShape right = liverLobes.get(0);
            double d = u(r, 15, 55);
            resectionN = n;
            resectionBed = r.nextDouble() < 0.6 ? u(r, 4, 15) : 0;
            findings.add("partial hepatectomy");
            resectionP = new double[] {right.cu + n[0] * d, right.cv + n[1] * d, right.wc + n[2] * d};
        }
        // Organs removed surgically; the colon and pancreas already took their positions from them.
        if (r.nextDouble() < 0.04) {
            spleen = null;
            findings.add("splenectomy");
        }
        double kid = r.nextDouble();
        if (kid < 0.015) {
            kidneyL = null;
            findings.add("left nephrectomy");
        } else if (kid < 0.03) {
            kidneyR = null;
            findings.add("right nephrectomy");
        }
        if (renalCyst != null) {
            findings.add("renal cyst");
        }
    }

    private void sampleTextures(SplittableRandom r) {
        liverTex = Waves.random(r, 3, 20, 80, 0.3, 0.45);
        spleenTex = Waves.random(r, 3, 8, 25, 0.3, 0.45);
        lungTex = Waves.random(r, 3, 6, 25, 4, 8);
        noiseSeed = r.nextLong();
    }

    private static double dist(double[] p, double[] q) {
        double dx = p[0] - q[0];
        double dy = p[1] - q[1];
        double dz = p[2] - q[2];
        return Math.sqrt(dx * dx + dy * dy + dz * dz);
    }

    private static double[] randomUnit(SplittableRandom r) {
        double z = u(r, -1, 1);
        double az = u(r, 0, 2 * Math.PI);
        double s = Math.sqrt(1 - z * z);
        return new double[] {s * StrictMath.cos(az), s * StrictMath.sin(az), z};
    }

    private static void normalise(double[] d) {
        double l = Math.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        if (l < 1e-12) {
            d[0] = 1;
            d[1] = 0;
            d[2] = 0;
            return;
        }
        d[0] /= l;
        d[1] /= l;
        d[2] /= l;
    }

    // ---------------------------------------------------------------------------------------------------
    // Lesions and vessels, placed by asking the finished anatomy where liver is.

    /** Whether (u, v, w) is liver tissue (or already a lesion in it) with every organ's priority applied. */
    boolean liverAt(double u, double v, double w) {
        int t = new Slice(w, false, true).eval(u, v, -1, -1);
        return Tissue.isLiver(t) || t == Tissue.TUMOUR;
    }

    /** Liver at the point and at 6 points ±m around it (the count inside). */
    private int liverAround(double[] c, double m) {
        int n = liverAt(c[0], c[1], c[2]) ? 1 : 0;
        n += liverAt(c[0] + m, c[1], c[2]) ? 1 : 0;
        n += liverAt(c[0] - m, c[1], c[2]) ? 1 : 0;
        n += liverAt(c[0], c[1] + m, c[2]) ? 1 : 0;
        n += liverAt(c[0], c[1] - m, c[2]) ? 1 : 0;
        n += liverAt(c[0], c[1], c[2] + m) ? 1 : 0;
        n += liverAt(c[0], c[1], c[2] - m) ? 1 : 0;
        return n;
    }

    private double[] randomLiverPoint(SplittableRandom r) {
        double uMin = Double.MAX_VALUE;
        double uMax = -Double.MAX_VALUE;
        double vMin = Double.MAX_VALUE;
        double vMax = -Double.MAX_VALUE;
        for (StarShape s : liverLobes) {
            uMin = Math.min(uMin, s.cu - s.aNeg);
            uMax = Math.max(uMax, s.cu + s.aPos);
            vMin = Math.min(vMin, s.cv - s.bNeg);
            vMax = Math.max(vMax, s.cv + s.bPos);
        }
        return new double[] {u(r, uMin, uMax), u(r, vMin, vMax), u(r, liverBottom, liverTop)};
    }

    private void sampleLesions(SplittableRandom r, SplittableRandom c, double tumourFreeFraction, int maxTumours) {
        int count = 0;
        boolean many = false;
        if (maxTumours > 0 && r.nextDouble() >= tumourFreeFraction) {
            if (r.nextDouble() < 0.12) {
                many = true;
                count = 5 + r.nextInt(8);
            } else {
                count = 1;
                while (count < 6 && r.nextDouble() < 0.45) {
                    count++;
                }
            }
            count = Math.min(count, maxTumours);
        }
        int placed = 0;
        while (placed < count) {
            double diameter = many ? logU(r, 5, 22) : logU(r, 6, 90);
            Lesion l = placeLesion(r, diameter / 2, null);
            if (l == null) {
                break;
            }
            lesions.add(l);
            placed++;
            if (placed < count && diameter > 15 && r.nextDouble() < 0.15) {
                Lesion sat = placeLesion(r, logU(r, 3, diameter / 4), l.center);
                if (sat != null) {
                    lesions.add(sat);
                    placed++;
                }
            }
        }
        for (Lesion l : lesions) {
            appearance(c, l);
        }
        if (r.nextDouble() < 0.2) {
            int n = 1 + r.nextInt(3);
            for (int i = 0; i < n; i++) {
                Lesion cyst = placeLesion(r, logU(r, 2.5, 15), null);
                if (cyst != null) {
                    cyst.cyst = true;
                    cyst.edge = 0.4;
                    cyst.shape.margin = 0.2;
                    lesions.add(cyst);
                }
            }
        }
    }

    /** A lesion of about the given radius fully (or nearly) inside the liver, near {@code near} if given. */
    private Lesion placeLesion(SplittableRandom r, double radius, double[] near) {
        double rad = radius;
        for (int attempt = 0; attempt < 80; attempt++) {
            if (attempt > 0 && attempt % 20 == 0) {
                rad *= 0.75;
            }
            double[] c;
            if (near != null) {
                double[] d = randomUnit(r);
                double off = u(r, 5, 20) + rad;
                c = new double[] {near[0] + d[0] * off, near[1] + d[1] * off, near[2] + d[2] * off};
            } else {
                c = randomLiverPoint(r);
            }
            if (liverAround(c, rad * 0.6) < 7) {
                continue;
            }
            Lesion l = new Lesion();
            l.center = c;
            l.radius = rad;
            StarShape s = new StarShape();
            s.cu = c[0];
            s.cv = c[1];
            s.wc = c[2];
            s.aPos = rad * u(r, 0.85, 1.15);
            s.aNeg = rad * u(r, 0.85, 1.15);
            s.bPos = rad * u(r, 0.85, 1.15);
            s.bNeg = rad * u(r, 0.85, 1.15);
            s.hzUp = rad * u(r, 0.8, 1.15);
            s.hzDown = rad * u(r, 0.8, 1.15);
            s.phi0 = u(r, -Math.PI, Math.PI);
            harmonics(r, s, u(r, 0, rad > 15 ? 0.16 : 0.1), 0.04, 1);
            l.shape = s;
            return l;
        }
        return null;
    }

    /** How a tumour enhances: phase-typical patterns, never darker than necrosis can be. */
    private void appearance(SplittableRandom c, Lesion l) {
        double liver = tissueHu.base[Tissue.LIVER];
        double x = c.nextDouble();
        switch (tissueHu.phase) {
            case NON_CONTRAST -> l.delta = -u(c, 10, 35);
            case ARTERIAL -> {
                if (x < 0.25) {
                    l.kind = TumourKind.HYPERDENSE;
                    l.delta = u(c, 20, 60);
                } else if (x < 0.4) {
                    l.kind = TumourKind.RIM_ENHANCING;
                    l.rimDelta = u(c, 15, 45);
                    l.delta = -u(c, 15, 60);
                } else {
                    l.delta = -u(c, 10, 50);
                }
            }
            case PORTAL_VENOUS -> {
                if (x < 0.08) {
                    l.kind = TumourKind.RIM_ENHANCING;
                    l.rimDelta = u(c, 10, 35);
                    l.delta = -u(c, 20, 70);
                } else if (x < 0.12) {
                    l.kind = TumourKind.HYPERDENSE;
                    l.delta = u(c, 15, 40);
                } else {
                    l.delta = -u(c, 15, 80);
                }
            }
            case DELAYED -> {
                if (x < 0.05) {
                    l.kind = TumourKind.RIM_ENHANCING;
                    l.rimDelta = u(c, 10, 30);
                    l.delta = -u(c, 15, 50);
                } else {
                    l.delta = -u(c, 10, 50);
                }
            }
            default -> throw new IllegalStateException();
        }
        l.floorHu = u(c, 10, 25);
        if (liver + l.delta < l.floorHu) {
            l.delta = l.floorHu - liver;
        }
        if (l.kind != TumourKind.HYPERDENSE && l.delta > -10) {
            // A fatty liver leaves no room below it: such lesions read brighter than the liver instead.
            l.kind = TumourKind.HYPERDENSE;
            l.delta = u(c, 10, 30);
        }
        l.edge = u(c, 0.5, 3);
        l.rimWidth = u(c, 1.5, 4);
        l.texAmp = u(c, 2, 10);
        l.texScale = u(c, 2.5, 7);
        l.coreFrac = l.radius > 12 && c.nextDouble() < 0.5 ? u(c, 0.3, 0.6) : 0;
        l.coreDelta = -u(c, 10, 40);
        l.shape.margin = l.edge / 2;
    }

    private void sampleVesselTree(SplittableRandom r) {
        int budget = 260;
        // Portal vein: trunk from below-medial into the hilum, then right and left branches.
        StarShape right = liverLobes.get(0);
        StarShape left = liverLobes.get(1);
        double[] hilum = null;
        for (int attempt = 0; attempt < 40 && hilum == null; attempt++) {
            double[] h = {ivcU + u(r, 0, 30), ivcV + u(r, 20, 45), u(r, -35, 0)};
            if (liverAt(h[0], h[1], h[2])) {
                hilum = h;
            }
        }
        if (hilum != null) {
            double rad = u(r, 5.5, 8);
            double[] trunk = {hilum[0] - u(r, 10, 25), hilum[1] + u(r, -5, 10), hilum[2] - u(r, 35, 55)};
            hepaticVessels.add(trunk, hilum, rad, rad, PORTAL);
            double rMin = u(r, 0.9, 1.4);
            double[] toRight = {right.cu + right.aPos * 0.3 - hilum[0], right.cv - hilum[1], right.wc - hilum[2]};
            double[] toLeft = {left.cu - hilum[0], left.cv - hilum[1], left.wc - hilum[2] - 10};
            normalise(toRight);
            normalise(toLeft);
            branch(r, hilum, toRight, rad * u(r, 0.75, 0.9), rMin, 0, PORTAL, budget);
            branch(r, hilum, toLeft, rad * u(r, 0.6, 0.8), rMin, 0, PORTAL, budget);
        }
        // Hepatic veins fan out from the IVC just below the dome.
        double rMin = u(r, 0.9, 1.4);
        double hw = liverTop - u(r, 15, 35);
        double[][] dirs = {
            {1, u(r, -0.3, 0.3), -u(r, 0.3, 0.7)},
            {u(r, 0.1, 0.5), 1, -u(r, 0.3, 0.6)},
            {-1, u(r, 0.5, 1.0), -u(r, 0.1, 0.4)},
        };
        for (double[] d : dirs) {
            normalise(d);
            double[] root = {spineU(hw) + ivcU + d[0] * ivcA * 0.8, ivcVAt(hw) + d[1] * ivcB * 0.8, hw};
            branch(r, root, d, u(r, 4, 6.5), rMin, 0, HEPATIC, budget * 2);
        }
    }

    private void branch(SplittableRandom r, double[] p, double[] dir, double rad, double rMin, int depth, int tag,
            int budget) {
        if (rad < rMin || depth > 9 || hepaticVessels.size() >= budget) {
            return;
        }
        // Grow forwards; when that leaves the liver, try shorter and bent (real trees curve to fill the
        // parenchyma rather than stop at its edge).
        double len = rad * u(r, 4, 8) + u(r, 6, 12);
        double[] e = null;
        double[] d = dir;
        for (int tries = 0; tries < 5 && e == null; tries++) {
            double[] q = {p[0] + d[0] * len, p[1] + d[1] * len, p[2] + d[2] * len};
            if (liverAround(q, rad * 0.7 + 0.5) >= 6) {
                e = q;
            } else {
                len *= 0.7;
                d = rotateAway(dir, perpendicular(dir, r), StrictMath.toRadians(u(r, 20, 50)), 0);
            }
        }
        if (e == null) {
            return;
        }
        double rEnd = rad * u(r, 0.85, 0.97);
        hepaticVessels.add(p, e, rad, rEnd, tag);
        int children = r.nextDouble() < 0.3 ? 3 : 2;
        double[] perp = perpendicular(d, r);
        for (int k = 0; k < children; k++) {
            boolean main = k == 0;
            double ang = StrictMath.toRadians(main ? u(r, 5, 25) : u(r, 30, 70));
            double az = k * 2 * Math.PI / children + u(r, -0.4, 0.4);
            double[] cd = rotateAway(d, perp, ang, az);
            double rc = rEnd * (main ? u(r, 0.8, 0.92) : u(r, 0.5, 0.75));
            branch(r, e, cd, rc, rMin, depth + 1, tag, budget);
        }
    }

    private static double[] perpendicular(double[] d, SplittableRandom r) {
        double[] a = randomUnit(r);
        double dot = a[0] * d[0] + a[1] * d[1] + a[2] * d[2];
        double[] p = {a[0] - dot * d[0], a[1] - dot * d[1], a[2] - dot * d[2]};
        normalise(p);
        return p;
    }

    /** dir tilted by ang towards the direction at azimuth az around it (az 0 = perp). */
    private static double[] rotateAway(double[] dir, double[] perp, double ang, double az) {
        double[] q = {dir[1] * perp[2] - dir[2] * perp[1], dir[2] * perp[0] - dir[0] * perp[2],
            dir[0] * perp[1] - dir[1] * perp[0]};
        double ca = StrictMath.cos(az);
        double sa = StrictMath.sin(az);
        double[] off = {perp[0] * ca + q[0] * sa, perp[1] * ca + q[1] * sa, perp[2] * ca + q[2] * sa};
        double c = StrictMath.cos(ang);
        double s = StrictMath.sin(ang);
        double[] d = {dir[0] * c + off[0] * s, dir[1] * c + off[1] * s, dir[2] * c + off[2] * s};
        normalise(d);
        return d;
    }

    /**
     * Lowest world-y offset (from py) of the body outline at mid-liver height: where the back rests on the
     * table. Found by bisection along rays, since the outline's harmonics move it from the nominal half-axis.
     */
    double backRestOffsetY() {
        StarShape.Section b = body.section(0);
        double min = 0;
        for (int a = -150; a <= -30; a += 5) {
            double du = Math.cos(Math.toRadians(a));
            double dv = Math.sin(Math.toRadians(a));
            double lo = 0;
            double hi = 2 * Math.max(body.aPos, Math.max(body.aNeg, body.bNeg));
            for (int it = 0; it < 40; it++) {
                double mid = (lo + hi) / 2;
                if (b.depth(mid * du, mid * dv) > 0) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            double uu = lo * du;
            double vv = lo * dv;
            min = Math.min(min, sinA * uu + cosA * vv);
        }
        return min;
    }

    /** Lateral offset of the spine (and the vessels in front of it) at height w: mild scoliosis. */
    double spineU(double w) {
        return scolAmp * StrictMath.sin(scolK * w + scolPhase);
    }

    /** The IVC runs forwards as it climbs into the liver towards the right atrium. */
    double ivcVAt(double w) {
        return ivcV + Math.min(15, Math.max(0, 0.15 * w));
    }

    // ---------------------------------------------------------------------------------------------------
    // Rendering

    /** Fixes the render grid: world x of each column and y of each row. Precomputes per-column tables. */
    void prepareGrid(double[] xs, double[] ys) {
        double[] dxs = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            dxs[i] = xs[i] - px;
        }
        gridDys = new double[ys.length];
        for (int j = 0; j < ys.length; j++) {
            gridDys[j] = ys[j] - py;
        }
        cDu = liverDu.columns(dxs, cosA, sinA);
        cDv = liverDv.columns(dxs, cosA, sinA);
        cLiver = liverTex.columns(dxs, cosA, sinA);
        cSpleen = spleenTex.columns(dxs, cosA, sinA);
        cLung = lungTex.columns(dxs, cosA, sinA);
    }

    private static double smooth(double x) {
        return x <= 0 ? 0 : x >= 1 ? 1 : x * x * (3 - 2 * x);
    }

    /**
     * Everything about one axial plane at height w, precomputed so that {@link #eval} is a chain of cheap
     * tests. With tables, texture fields use the grid's separable tables and eval takes grid indices.
     */
    final class Slice {
        final double w;
        final boolean tables;
        Waves.Table tDu;
        Waves.Table tDv;
        Waves.Table tLiver;
        Waves.Table tSpleen;
        Waves.Table tLung;
        final StarShape.Section bodyS;
        final StarShape.Section psoasLS;
        final StarShape.Section psoasRS;
        final StarShape.Section kidneyLS;
        final StarShape.Section kidneyRS;
        final StarShape.Section renalCystS;
        final StarShape.Section spleenS;
        final StarShape.Section stomachS;
        final StarShape.Section gbS;
        final StarShape.Section heartS;
        final StarShape.Section[] lobes;
        double liverUMin = Double.MAX_VALUE;
        double liverUMax = -Double.MAX_VALUE;
        double liverVMin = Double.MAX_VALUE;
        double liverVMax = -Double.MAX_VALUE;
        final Tubes.Slice pancreasS;
        final Tubes.Slice bowelS;
        final Tubes.Slice vesselS;
        final StarShape.Section[] lesionS;
        final Lesion[] lesionL;
        final int[] lesionIdx;
        int lesionN;
        final double us;
        final boolean disc;
        final boolean endplate;
        final boolean spinous;
        final boolean transverse;
        final double spUMin;
        final double spUMax;
        final double spVMin;
        final double spVMax;
        final double canalV;
        final int[] ribs;
        final boolean sternum;
        final double aU;
        final double aV;
        final double aR;
        final boolean iliac;
        final double iliacOff;
        final boolean[] plaqueOn;
        final boolean ivcOn;
        final double ivV;
        final boolean esoOn;
        /** HU of the last {@link #eval}. */
        double hu;
        /** Index in {@link #lesions} of the last tumour hit, or −1. */
        int lesionHit;

        Slice(double w, boolean tables) {
            this(w, tables, false);
        }

        /**
         * @param query only to ask whether a point is liver: skips what lies below the liver in priority
         *              (bowel) or inside it (vessels, lesions), which placing lesions and vessels must not see
         *              anyway and which would make each of the thousands of queries costly.
         */
        Slice(double w, boolean tables, boolean query) {
            this.w = w;
            this.tables = tables;
            if (tables) {
                tDu = liverDu.table(cDu, w, gridDys);
                tDv = liverDv.table(cDv, w, gridDys);
                tLiver = liverTex.table(cLiver, w, gridDys);
                tSpleen = spleenTex.table(cSpleen, w, gridDys);
                tLung = lungTex.table(cLung, w, gridDys);
            }
            bodyS = body.section(w);
            psoasLS = psoasL.section(w);
            psoasRS = psoasR.section(w);
            kidneyLS = kidneyL == null ? null : kidneyL.section(w);
            kidneyRS = kidneyR == null ? null : kidneyR.section(w);
            renalCystS = renalCyst == null ? null : renalCyst.section(w);
            spleenS = spleen == null ? null : spleen.section(w);
            stomachS = stomach.section(w);
            gbS = gallbladder == null ? null : gallbladder.section(w);
            heartS = heart.section(w);
            lobes = new StarShape.Section[liverLobes.size()];
            for (int k = 0; k < lobes.length; k++) {
                StarShape.Section s = liverLobes.get(k).section(w);
                lobes[k] = s;
                if (s != null) {
                    double m = liverDispMax + ascites;
                    liverUMin = Math.min(liverUMin, s.uMin - m);
                    liverUMax = Math.max(liverUMax, s.uMax + m);
                    liverVMin = Math.min(liverVMin, s.vMin - m);
                    liverVMax = Math.max(liverVMax, s.vMax + m);
                }
            }
            pancreasS = pancreas.slice(w);
            bowelS = query ? NO_TUBES.slice(w) : bowel.slice(w);
            vesselS = query ? NO_TUBES.slice(w) : hepaticVessels.slice(w);
            int nl = query ? 0 : lesions.size();
            lesionS = new StarShape.Section[nl];
            lesionL = new Lesion[nl];
            lesionIdx = new int[nl];
            for (int k = 0; k < nl; k++) {
                StarShape.Section s = lesions.get(k).shape.section(w);
                if (s != null) {
                    lesionS[lesionN] = s;
                    lesionL[lesionN] = lesions.get(k);
                    lesionIdx[lesionN] = k;
                    lesionN++;
                }
            }

            us = spineU(w);
            double ph = ((w - levelPhase) % levelPeriod + levelPeriod) % levelPeriod;
            disc = ph < discT;
            endplate = !disc && (ph < discT + 1.5 || ph > levelPeriod - 1.5);
            spinous = ph > discT + 2 && ph < discT + 2 + 0.65 * levelPeriod;
            transverse = ph > discT + 6 && ph < discT + 13;
            canalV = vbV - vbRy - canalGap - canalR;
            double reach = Math.max(transverse ? transverseLen : 0, canalR + archT) + 2;
            spUMin = us - Math.max(vbRx, reach);
            spUMax = us + Math.max(vbRx, reach);
            spVMin = spinousTipV - 1;
            spVMax = vbV + vbRy + 1;

            int[] rb = new int[ribW0.length];
            int nr = 0;
            for (int k = 0; k < ribW0.length; k++) {
                if (w >= ribLow[k] && w <= ribW0[k] + ribHalfH) {
                    rb[nr++] = k;
                }
            }
            ribs = java.util.Arrays.copyOf(rb, nr);
            sternum = w > xiphoidW;

            double up = Math.max(0, w - hiatusW);
            aU = us + aortaU - Math.min(15, 0.2 * up);
            aV = aortaV - Math.min(10, 0.12 * up);
            iliac = w < bifurcationW;
            iliacOff = iliac ? Math.min(80, 0.45 * (bifurcationW - w)) : 0;
            aR = iliac ? aortaR * 0.65 : aortaR;
            plaqueOn = new boolean[plaqueAng.length];
            for (int k = 0; k < plaqueAng.length; k++) {
                plaqueOn[k] = w >= plaqueW0[k] && w <= plaqueW1[k];
            }
            ivcOn = w < ivcTop;
            ivV = ivcVAt(w);
            esoOn = w > domeLH - 10;
        }

        /**
         * Tissue at (u, v) in this plane; sets {@link #hu}. i, j are grid indices for texture tables, or
         * negative for a point query (then textures are left out).
         */
        int eval(double u, double v, int i, int j) {
            lesionHit = -1;
            if (bodyS == null) {
                return set(Tissue.AIR);
            }
            double bd = bodyS.depth(u, v);
            if (bd <= 0) {
                return arms ? arm(u, v) : set(Tissue.AIR);
            }
            double c1 = bodyS.lastC;
            double s1 = bodyS.lastS;
            if (u > spUMin && u < spUMax && v > spVMin && v < spVMax) {
                int t = spine(u, v);
                if (t >= 0) {
                    return t;
                }
            }
            double sp = s1 > 0 ? s1 * s1 : 0;
            double sn = s1 < 0 ? s1 * s1 : 0;
            double tf = fatLat + (fatAnt - fatLat) * sp + (fatPost - fatLat) * sn;
            if (bd < tf) {
                return set(Tissue.FAT_SUBCUTANEOUS);
            }
            double sn4 = sn * sn;
            double tm = mLat + (mAnt - mLat) * sp + mPost * sn4 * sn4 * sn4;
            if (s1 > 0.9 && Math.abs(c1) < 0.025) {
                tm = Math.min(tm, 2); // linea alba: the rectus muscles part at the midline
            }
            if (bd < tf + tm) {
                if (ribs.length > 0 || sternum) {
                    int t = rib(bd, tf, tm, c1, s1, u);
                    if (t >= 0) {
                        return t;
                    }
                }
                hu = hu(Tissue.MUSCLE);
                return Tissue.MUSCLE;
            }
            int t = greatVessels(u, v);
            if (t >= 0) {
                return t;
            }
            double wd = diaphragm(u, v);
            if (w > wd) {
                return thorax(u, v, i, j);
            }
            if (w > wd - diaThk) {
                return set(Tissue.MUSCLE);
            }
            return abdomen(u, v, i, j);
        }

        private int set(int tissue) {
            hu = tissueHu.base[tissue];
            return tissue;
        }

        private double hu(int tissue) {
            return tissueHu.base[tissue];
        }

        private int arm(double u, double v) {
            double cu = u > 0 ? body.aPos + armGap + armR : -(body.aNeg + armGap + armR);
            double du = u - cu;
            double dv = v - armV;
            double r2 = du * du + dv * dv;
            if (r2 >= armR * armR) {
                return set(Tissue.AIR);
            }
            double r = Math.sqrt(r2);
            if (r > armR - armFat) {
                return set(Tissue.FAT_SUBCUTANEOUS);
            }
            double b2 = (du + 6) * (du + 6) + (dv + 4) * (dv + 4); // humerus a little off-centre
            if (b2 < humerusR * humerusR) {
                return set(b2 > (humerusR - 3) * (humerusR - 3) ? Tissue.BONE_CORTEX : Tissue.FAT_VISCERAL);
            }
            return set(Tissue.MUSCLE);
        }

        private int spine(double u, double v) {
            double du = u - us;
            double dv = v - vbV;
            double nx = du / vbRx;
            double ny = dv / vbRy;
            double r2 = nx * nx + ny * ny;
            if (r2 < 1) {
                if (disc) {
                    return set(Tissue.DISC);
                }
                double depth = (1 - Math.sqrt(r2)) * Math.min(vbRx, vbRy);
                return set(depth < cortexT || endplate ? Tissue.BONE_CORTEX : Tissue.BONE_MARROW);
            }
            double cv = v - canalV;
            double cr = Math.sqrt(du * du + cv * cv);
            if (cr < canalR) {
                return set(Tissue.CSF);
            }
            double adu = Math.abs(du);
            if (cr < canalR + archT && cv < canalR * 0.5) {
                return set(Tissue.BONE_CORTEX); // lamina and pedicles
            }
            if (cv >= 0 && v < vbV && adu > canalR * 0.6 && adu < canalR + archT) {
                return set(Tissue.BONE_CORTEX); // pedicles up to the body
            }
            if (spinous && v < canalV - canalR && v > spinousTipV) {
                double frac = (canalV - canalR - v) / Math.max(1, canalV - canalR - spinousTipV);
                if (adu < spinousHalfW * (1.2 - 0.5 * frac)) {
                    return set(adu < spinousHalfW * 0.4 ? Tissue.BONE_MARROW : Tissue.BONE_CORTEX);
                }
            }
            if (transverse && Math.abs(cv) < 3.5 && adu > canalR && adu < transverseLen) {
                return set(Tissue.BONE_CORTEX);
            }
            return -1;
        }

        private int rib(double bd, double tf, double tm, double c1, double s1, double u) {
            double dr = bd - (tf + tm * ribDepthFrac);
            if (sternum && s1 > 0.95 && Math.abs(u) < sternumHalfW && Math.abs(dr) < ribHalfR + 1) {
                return set(Math.abs(dr) > ribHalfR - 1.5 ? Tissue.BONE_CORTEX : Tissue.BONE_MARROW);
            }
            if (Math.abs(dr) >= ribHalfR || ribs.length == 0) {
                return -1;
            }
            double s = StrictMath.acos(Math.max(-1, Math.min(1, -s1))); // arc angle from the posterior midline
            if (s < ribSStart) {
                return -1;
            }
            for (int k : ribs) {
                if (s > ribSEnd[k]) {
                    continue;
                }
                double dw = w - (ribW0[k] - ribDrop(k, s));
                double e = (dw / ribHalfH) * (dw / ribHalfH) + (dr / ribHalfR) * (dr / ribHalfR);
                if (e < 1) {
                    if (s > cartilageS) {
                        return set(Tissue.CARTILAGE);
                    }
                    return set(e > 0.45 ? Tissue.BONE_CORTEX : Tissue.BONE_MARROW);
                }
            }
            return -1;
        }

        private int greatVessels(double u, double v) {
            double dv = v - aV;
            if (iliac) {
                double r2 = aR * aR;
                double dl = u - (aU - iliacOff);
                double dr = u - (aU + iliacOff);
                if (dl * dl + dv * dv < r2 || dr * dr + dv * dv < r2) {
                    return set(Tissue.AORTA);
                }
            } else {
                double du = u - aU;
                double d2 = du * du + dv * dv;
                if (d2 < aR * aR) {
                    if (plaqueOn.length > 0 && d2 > (aR - 2.5) * (aR - 2.5)) {
                        double ang = StrictMath.atan2(dv, du);
                        for (int k = 0; k < plaqueOn.length; k++) {
                            if (plaqueOn[k]) {
                                double da = Math.abs(Math.IEEEremainder(ang - plaqueAng[k], 2 * Math.PI));
                                if (da < plaqueHalf[k]) {
                                    return set(Tissue.CALCIFICATION);
                                }
                            }
                        }
                    }
                    return set(Tissue.AORTA);
                }
            }
            if (ivcOn) {
                double x = (u - us - ivcU) / ivcA;
                double y = (v - ivV) / ivcB;
                if (x * x + y * y < 1) {
                    return set(Tissue.IVC);
                }
            }
            return -1;
        }

        private int thorax(double u, double v, int i, int j) {
            if (esoOn) {
                double du = u - us - esoU;
                double dv = v - esoV;
                double d2 = du * du + dv * dv;
                if (d2 < esoR * esoR) {
                    return set(d2 < 4 ? Tissue.GAS : Tissue.MUSCLE);
                }
            }
            if (heartS != null) {
                double d = heartS.depth(u, v);
                if (d > heartMyo) {
                    return set(Tissue.HEART_BLOOD);
                }
                if (d > 0) {
                    return set(Tissue.HEART_MUSCLE);
                }
                if (d > -pericardialFat) {
                    return set(Tissue.FAT_VISCERAL);
                }
            }
            if (Math.abs(u - us) < 22 && v > vbV - vbRy && (heartS == null || v < heartS.cv)) {
                return set(Tissue.FAT_VISCERAL); // posterior mediastinum
            }
            double post = (cavA - v) / Math.max(1, cavA - cavP);
            hu = hu(Tissue.LUNG) + tissueHu.lungGradient * post * post;
            if (tables) {
                hu += tLung.at(i, j);
            }
            return Tissue.LUNG;
        }

        private int abdomen(double u, double v, int i, int j) {
            if (psoasLS != null && psoasLS.contains(u, v) || psoasRS != null && psoasRS.contains(u, v)) {
                hu = hu(Tissue.MUSCLE);
                return Tissue.MUSCLE;
            }
            if (kidneyRS != null) {
                double d = kidneyRS.depth(u, v);
                if (d > 0) {
                    return kidney(kidneyRS, d, -1, u, v);
                }
            }
            if (kidneyLS != null) {
                double d = kidneyLS.depth(u, v);
                if (d > 0) {
                    return kidney(kidneyLS, d, -1, u, v);
                }
            }
            if (gbS != null) {
                double d = gbS.depth(u, v);
                if (d > 0) {
                    if (d < gbWall) {
                        return set(Tissue.GALLBLADDER_WALL);
                    }
                    for (double[] s : stones) {
                        double a = u - s[0];
                        double b = v - s[1];
                        double c = w - s[2];
                        if (a * a + b * b + c * c < s[3] * s[3]) {
                            return set(Tissue.GALLSTONE);
                        }
                    }
                    return set(Tissue.GALLBLADDER);
                }
            }
            if (stomachS != null) {
                double d = stomachS.depth(u, v);
                if (d > 0) {
                    if (d < stomachWall) {
                        return set(Tissue.STOMACH_WALL);
                    }
                    if (v > stomachAirV) {
                        return set(Tissue.GAS);
                    }
                    hu = hu(Tissue.STOMACH_CONTENT)
                            + tissueHu.foodTextureAmp * ValueNoise.at(noiseSeed, u / 5, v / 5, w / 5);
                    return Tissue.STOMACH_CONTENT;
                }
            }
            if (spleenS != null && spleenS.contains(u, v)) {
                hu = hu(Tissue.SPLEEN);
                if (tables) {
                    hu += tissueHu.spleenTextureAmp * tSpleen.at(i, j) + 2 * tLiver.at(i, j);
                }
                return Tissue.SPLEEN;
            }
            if (pancreasS.depth(u, v) > 0) {
                hu = hu(Tissue.PANCREAS) + 8 * ValueNoise.at(noiseSeed + 1, u / 3, v / 3, w / 3);
                return Tissue.PANCREAS;
            }
            if (u > liverUMin && u < liverUMax && v > liverVMin && v < liverVMax) {
                double du;
                double dv;
                if (tables) {
                    du = tDu.at(i, j);
                    dv = tDv.at(i, j);
                } else {
                    du = liverDu.at(u, v, w);
                    dv = liverDv.at(u, v, w);
                }
                double lu = u + du;
                double lv = v + dv;
                double cut = resectionN == null ? -1 : (u - resectionP[0]) * resectionN[0]
                        + (v - resectionP[1]) * resectionN[1] + (w - resectionP[2]) * resectionN[2];
                boolean resected = cut > 0;
                if (resected && cut < resectionBed) {
                    for (StarShape.Section s : lobes) {
                        if (s != null && s.contains(lu, lv)) {
                            return set(Tissue.ASCITES);
                        }
                    }
                }
                if (ascites > 0) {
                    double best = -Double.MAX_VALUE;
                    for (StarShape.Section s : lobes) {
                        if (s != null) {
                            best = Math.max(best, s.depth(lu, lv));
                        }
                    }
                    if (best > 0 && !resected) {
                        return liver(u, v, i, j);
                    }
                    if (best > -ascites) {
                        return set(Tissue.ASCITES);
                    }
                } else if (!resected) {
                    for (StarShape.Section s : lobes) {
                        if (s != null && s.contains(lu, lv)) {
                            return liver(u, v, i, j);
                        }
                    }
                }
            }
            double vd = vesselS.depth(u, v);
            if (vd > 0) {
                return set(Tissue.EXTRAHEPATIC_VEIN);
            }
            double bdp = bowelS.depth(u, v);
            if (bdp > 0) {
                int seg = bowelS.lastSegment;
                if (bdp < bowelWall[seg]) {
                    return set(Tissue.BOWEL_WALL);
                }
                if (v - bowelS.lastAxisV > bowelAir[seg] * bowelS.lastRadius) {
                    return set(Tissue.GAS);
                }
                if (bowel.tag(seg) == COLON) {
                    // Stool: mottled, with trapped gas bubbles.
                    double n = ValueNoise.at(noiseSeed + 2, u / 6, v / 6, w / 6)
                            + 0.5 * ValueNoise.at(noiseSeed + 3, u / 2.5, v / 2.5, w / 2.5);
                    if (n > tissueHu.fecesGas) {
                        return set(Tissue.GAS);
                    }
                    hu = hu(Tissue.FECES) + tissueHu.fecesTextureAmp * n * 0.5;
                    return Tissue.FECES;
                }
                return set(Tissue.BOWEL_FLUID);
            }
            return set(Tissue.FAT_VISCERAL);
        }

        private int kidney(StarShape.Section k, double d, int medialSign, double u, double v) {
            if (renalCystS != null && renalCystS.depth(u, v) > 0) {
                return set(Tissue.RENAL_CYST);
            }
            double rel = k.lastRho / k.lastR;
            double medial = medialSign * k.lastC;
            if (medial > 0.55 && rel > 0.3 && Math.abs(k.lastS) < 0.65) {
                return set(rel < 0.75 && Math.abs(k.lastS) < 0.3 ? Tissue.URINE : Tissue.KIDNEY_SINUS);
            }
            if (d < kidneyCortex || rel < 0.25) {
                return set(Tissue.KIDNEY_CORTEX);
            }
            double ang = StrictMath.atan2(k.lastS, k.lastC);
            if (StrictMath.cos(pyramids * ang + pyramidPhase) > -0.3) {
                return set(Tissue.KIDNEY_MEDULLA);
            }
            return set(Tissue.KIDNEY_CORTEX);
        }

        private int liver(double u, double v, int i, int j) {
            double liverHu = hu(Tissue.LIVER);
            if (tables) {
                liverHu += tissueHu.liverTextureAmp * tLiver.at(i, j);
            }
            Lesion blend = null;
            double blendD = 0;
            for (int k = 0; k < lesionN; k++) {
                double d = lesionS[k].depth(u, v);
                Lesion l = lesionL[k];
                if (d >= 0) {
                    hu = lesionHu(l, d, liverHu, u, v);
                    if (l.cyst) {
                        return Tissue.CYST;
                    }
                    lesionHit = lesionIdx[k];
                    return Tissue.TUMOUR;
                }
                if (d > -l.edge / 2 && (blend == null || d > blendD)) {
                    blend = l;
                    blendD = d;
                }
            }
            double vd = vesselS.depth(u, v);
            if (vd > 0) {
                int t = hepaticVessels.tag(vesselS.lastSegment) == PORTAL ? Tissue.PORTAL_VEIN : Tissue.HEPATIC_VEIN;
                // Thin vessels are partial-volumed with parenchyma even inside their label.
                double f = smooth(vd / 1.2);
                hu = liverHu + (hu(t) - liverHu) * (0.5 + 0.5 * f);
                return t;
            }
            hu = blend == null ? liverHu : lesionHu(blend, blendD, liverHu, u, v);
            return Tissue.LIVER;
        }

        private double lesionHu(Lesion l, double d, double liverHu, double u, double v) {
            double e = l.edge;
            double f = smooth((d + e / 2) / e);
            if (l.cyst) {
                return liverHu + (hu(Tissue.CYST) - liverHu) * f;
            }
            double h;
            if (l.kind == TumourKind.RIM_ENHANCING) {
                double g = smooth((d - l.rimWidth) / Math.max(1, l.rimWidth));
                h = liverHu + f * ((1 - g) * l.rimDelta + g * l.delta);
            } else {
                h = liverHu + f * l.delta;
            }
            if (l.coreFrac > 0) {
                double inner = l.radius * (1 - l.coreFrac);
                if (d > inner) {
                    h += l.coreDelta * smooth((d - inner) / (0.3 * l.radius));
                }
            }
            h += f * l.texAmp * ValueNoise.at(noiseSeed + 4, u / l.texScale, v / l.texScale, w / l.texScale);
            return Math.max(h, Math.min(liverHu, l.floorHu));
        }
    }
}
