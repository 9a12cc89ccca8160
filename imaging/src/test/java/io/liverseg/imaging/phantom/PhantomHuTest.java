package io.liverseg.imaging.phantom;

import static io.liverseg.imaging.phantom.PhantomFixtures.interior;
import static io.liverseg.imaging.phantom.PhantomFixtures.mean;
import static io.liverseg.imaging.phantom.PhantomFixtures.median;
import static io.liverseg.imaging.phantom.PhantomFixtures.small;
import static io.liverseg.imaging.phantom.PhantomFixtures.std;
import static io.liverseg.imaging.phantom.PhantomFixtures.values;
import static org.assertj.core.api.Assertions.assertThat;

import io.liverseg.imaging.Volume;
import org.junit.jupiter.api.Test;

/** HU of the tissues, measured in the images the way a user would, inside each tissue away from its edges. */
class PhantomHuTest {

    private static double[] tissue(PhantomGenerator.Detailed d, int tissue) {
        return tissue(d, tissue, 1);
    }

    /** Voxels r deep inside a tissue: 2 keeps thin layers clear of a sharp kernel's edge overshoot. */
    private static double[] tissue(PhantomGenerator.Detailed d, int tissue, int r) {
        Volume im = d.phantom().image();
        return values(im, interior(d.tissues(), tissue, im.nx(), im.ny(), im.nz(), r));
    }

    /** The first case of the given phase with a non-fatty liver big enough to measure. */
    private static PhantomGenerator.Detailed caseIn(ContrastPhase phase) {
        PhantomGenerator g = new PhantomGenerator(small().withPhases(phase));
        for (int c = 0; c < 20; c++) {
            PhantomGenerator.Detailed d = g.generateDetailed(c);
            if (!d.phantom().info().fattyLiver() && tissue(d, Tissue.LIVER).length > 200) {
                return d;
            }
        }
        throw new AssertionError("no measurable " + phase + " case");
    }

    @Test
    void liverUnderItsLabelIsInThePhaseRange() {
        for (ContrastPhase phase : ContrastPhase.values()) {
            PhantomGenerator.Detailed d = caseIn(phase);
            PhantomInfo in = d.phantom().info();
            Volume label = d.phantom().label();
            byte[] labels = new byte[label.voxels().size()];
            for (int p = 0; p < labels.length; p++) {
                labels[p] = (byte) label.voxels().get(p);
            }
            double underLabel = median(values(d.phantom().image(),
                    interior(labels, 1, label.nx(), label.ny(), label.nz())));
            double lo = phase.liverMinHu() + in.huOffset();
            double hi = phase.liverMaxHu() + in.huOffset();
            assertThat(in.liverHu()).as("drawn %s liver HU", phase).isBetween(phase.liverMinHu(), phase.liverMaxHu());
            assertThat(underLabel).as("%s liver", phase).isBetween(lo - 8, hi + 8);
            assertThat(median(tissue(d, Tissue.LIVER))).isCloseTo(in.liverHu() + in.huOffset(),
                    org.assertj.core.data.Offset.offset(8.0));
        }
    }

    @Test
    void airOutsideTheBodyIsMinus1000() {
        PhantomGenerator.Detailed d = caseIn(ContrastPhase.PORTAL_VENOUS);
        double air = mean(tissue(d, Tissue.AIR));
        assertThat(air).isBetween(-1020.0, -985.0);
    }

    @Test
    void tissuesHaveTheirCtDensities() {
        PhantomGenerator.Detailed d = caseIn(ContrastPhase.PORTAL_VENOUS);
        double liver = median(tissue(d, Tissue.LIVER));
        assertThat(median(tissue(d, Tissue.FAT_VISCERAL, 2))).isBetween(-130.0, -60.0);
        assertThat(median(tissue(d, Tissue.MUSCLE, 2))).isBetween(25.0, 85.0);
        assertThat(median(tissue(d, Tissue.SPLEEN))).isBetween(liver - 30, liver + 30);
        assertThat(median(tissue(d, Tissue.AORTA))).isGreaterThan(120.0);
        // Portal-venous vessels are brighter than the parenchyma, even partial-volumed (so: all their voxels).
        Volume im = d.phantom().image();
        boolean[] portal = new boolean[d.tissues().length];
        for (int p = 0; p < portal.length; p++) {
            portal[p] = d.tissues()[p] == Tissue.PORTAL_VEIN;
        }
        assertThat(mean(values(im, portal))).isGreaterThan(liver + 20);
        double[] bone = tissue(d, Tissue.BONE_MARROW);
        assertThat(bone.length).isPositive();
        assertThat(mean(bone)).isGreaterThan(100.0);

        PhantomGenerator.Detailed nc = caseIn(ContrastPhase.NON_CONTRAST);
        assertThat(median(tissue(nc, Tissue.AORTA))).isBetween(15.0, 70.0);
        PhantomGenerator.Detailed art = caseIn(ContrastPhase.ARTERIAL);
        assertThat(median(tissue(art, Tissue.AORTA))).isGreaterThan(220.0);
    }

    @Test
    void subcutaneousFatIsAboutMinus100() {
        PhantomGenerator g = new PhantomGenerator(small());
        int measured = 0;
        for (int c = 0; c < 6; c++) {
            double[] fat = tissue(g.generateDetailed(c), Tissue.FAT_SUBCUTANEOUS, 2);
            if (fat.length >= 30) {
                assertThat(median(fat)).as("case %d", c).isBetween(-135.0, -70.0);
                measured++;
            }
        }
        assertThat(measured).isPositive();
    }

    @Test
    void boneIsBrightestInTheSpine() {
        PhantomCase pc = caseIn(ContrastPhase.NON_CONTRAST).phantom();
        double max = -2000;
        for (int p = 0; p < pc.image().voxels().size(); p++) {
            max = Math.max(max, pc.image().value(p));
        }
        assertThat(max).isGreaterThan(300);
    }

    @Test
    void hypodenseTumoursAreDarkerThanTheLiverAroundThem() {
        PhantomGenerator g = new PhantomGenerator(small().withPhases(ContrastPhase.PORTAL_VENOUS).withTumours(0, 3));
        int seen = 0;
        for (int c = 0; c < 12 && seen < 3; c++) {
            PhantomGenerator.Detailed d = g.generateDetailed(c);
            PhantomInfo in = d.phantom().info();
            boolean allHypo = in.tumours().stream().allMatch(t -> t.kind() == TumourKind.HYPODENSE);
            double[] tumour = tissue(d, Tissue.TUMOUR);
            if (!allHypo || tumour.length < 10) {
                continue;
            }
            double liver = median(tissue(d, Tissue.LIVER));
            assertThat(mean(tumour)).as("case %d", c).isLessThan(liver - 8);
            seen++;
        }
        assertThat(seen).isPositive();
    }

    @Test
    void noiseMatchesTheDrawnSigma() {
        PhantomGenerator g = new PhantomGenerator(small().withSize(192).withNoise(12, 12));
        int measured = 0;
        for (int c = 0; c < 4; c++) {
            PhantomGenerator.Detailed d = g.generateDetailed(c);
            Volume im = d.phantom().image();
            // Three voxels in: beyond the reach of blur and of sharp-kernel overshoot at the skin.
            double[] fat = values(im, interior(d.tissues(), Tissue.FAT_SUBCUTANEOUS, im.nx(), im.ny(), im.nz(), 3));
            if (fat.length < 100) {
                continue;
            }
            assertThat(d.phantom().info().noiseSigma()).isEqualTo(12.0);
            // Fat is one HU per case, so its spread is the noise.
            assertThat(std(fat)).as("case %d", c).isBetween(12 * 0.75, 12 * 1.3);
            measured++;
        }
        assertThat(measured).isPositive();
    }
}
