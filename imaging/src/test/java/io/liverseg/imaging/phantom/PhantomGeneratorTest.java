package io.liverseg.imaging.phantom;

import static io.liverseg.imaging.phantom.PhantomFixtures.count;
import static io.liverseg.imaging.phantom.PhantomFixtures.tiny;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liverseg.imaging.DataType;
import io.liverseg.imaging.Volume;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PhantomGeneratorTest {

    @Test
    void sameSeedAndIndexGiveBitIdenticalCases() {
        PhantomCase a = new PhantomGenerator(tiny()).generate(3);
        PhantomCase b = new PhantomGenerator(tiny()).generate(3);
        assertThat(a.image().voxels()).isEqualTo(b.image().voxels());
        assertThat(a.label().voxels()).isEqualTo(b.label().voxels());
        assertThat(a.image().affine()).isEqualTo(b.image().affine());
        assertThat(a.info().dims()).isEqualTo(b.info().dims());
        assertThat(a.info().phase()).isEqualTo(b.info().phase());
        assertThat(a.info().tumours()).hasSameSizeAs(b.info().tumours());
    }

    @Test
    void aCaseDoesNotDependOnWhichOthersWereGenerated() {
        PhantomGenerator g = new PhantomGenerator(tiny());
        PhantomCase first = g.generate(4);
        g.generate(0);
        g.generate(9);
        assertThat(g.generate(4).image().voxels()).isEqualTo(first.image().voxels());
    }

    @Test
    void differentSeedsOrIndicesGiveDifferentCases() {
        PhantomCase a = new PhantomGenerator(tiny()).generate(1);
        PhantomCase otherSeed = new PhantomGenerator(tiny().withSeed(43)).generate(1);
        PhantomCase otherIndex = new PhantomGenerator(tiny()).generate(2);
        assertThat(otherSeed.info().caseSeed()).isNotEqualTo(a.info().caseSeed());
        assertThat(otherSeed.image().voxels()).isNotEqualTo(a.image().voxels());
        assertThat(otherIndex.image().voxels()).isNotEqualTo(a.image().voxels());
    }

    @Test
    void labelsAreBackgroundLiverTumourOnTheImageGrid() {
        PhantomGenerator g = new PhantomGenerator(tiny().withTumours(0, 8));
        for (int c = 0; c < 4; c++) {
            PhantomCase pc = g.generate(c);
            Volume label = pc.label();
            assertThat(label.voxels().type()).isEqualTo(DataType.UINT8);
            assertThat(label.isScaled()).isFalse();
            assertThat(label.dims()).isEqualTo(pc.image().dims());
            assertThat(label.affine()).isEqualTo(pc.image().affine());
            Set<Long> values = new HashSet<>();
            for (int p = 0; p < label.voxels().size(); p++) {
                values.add(label.voxels().getLong(p));
            }
            assertThat(values).isSubsetOf(0L, 1L, 2L).contains(0L);
            assertThat(count(label, 1)).isEqualTo(pc.info().liverVoxels());
            assertThat(count(label, 2)).isEqualTo(pc.info().tumourVoxels());
        }
    }

    @Test
    void tumourVoxelsLieInsideTheLiver() {
        // Without tumours the liver is the same shape (it is drawn before them), so every tumour voxel of the
        // case must be liver in its tumour-free twin.
        PhantomOptions with = tiny().withTumours(0, 8);
        PhantomOptions without = tiny().withTumours(0, 0);
        long checked = 0;
        for (int c = 0; c < 6; c++) {
            Volume tumours = new PhantomGenerator(with).generate(c).label();
            Volume liver = new PhantomGenerator(without).generate(c).label();
            assertThat(count(liver, 2)).isZero();
            for (int p = 0; p < tumours.voxels().size(); p++) {
                if (tumours.voxels().get(p) == 2) {
                    assertThat(liver.voxels().get(p)).as("voxel %d of case %d", p, c).isEqualTo(1.0);
                    checked++;
                }
            }
        }
        assertThat(checked).isPositive();
    }

    @Test
    void vesselTaskLabelsVesselsInsideTheLiverAndTheSameTumours() {
        PhantomOptions liverTask = tiny().withSize(96).withTumours(0, 8);
        PhantomOptions vesselTask = liverTask.withTask(PhantomTask.VESSEL);
        long vessels = 0;
        for (int c = 0; c < 3; c++) {
            PhantomCase l = new PhantomGenerator(liverTask).generate(c);
            PhantomCase v = new PhantomGenerator(vesselTask).generate(c);
            assertThat(v.name()).startsWith("hepaticvessel_");
            assertThat(v.image().voxels()).isEqualTo(l.image().voxels());
            assertThat(count(v.label(), 1)).isEqualTo(v.info().vesselVoxels());
            for (int p = 0; p < l.label().voxels().size(); p++) {
                double lv = l.label().voxels().get(p);
                double vv = v.label().voxels().get(p);
                assertThat(vv == 2).isEqualTo(lv == 2);
                if (vv == 1) {
                    assertThat(lv).isEqualTo(1.0);
                    vessels++;
                }
            }
            // Vessels are a small part of the liver, as in Task08.
            assertThat(count(v.label(), 1)).isLessThan(count(l.label(), 1) / 5);
        }
        assertThat(vessels).isPositive();
    }

    @Test
    void spacingSlicesAndOrientationStayWithinTheRequestedRanges() {
        PhantomOptions o = tiny().withSpacing(5.5, 6.5).withSliceThickness(2.2, 4.4).withSlices(9, 17)
                .withOrientations("LPS", "RAS", "LPI");
        PhantomGenerator g = new PhantomGenerator(o);
        Set<String> orientations = new HashSet<>();
        for (int c = 0; c < 10; c++) {
            PhantomCase pc = g.generate(c);
            PhantomInfo in = pc.info();
            double[] sp = pc.image().spacing();
            assertThat(sp[0]).isBetween(5.5, 6.5).isEqualTo(in.spacing()[0]);
            assertThat(sp[1]).isEqualTo(sp[0]);
            assertThat(sp[2]).isBetween(2.2, 4.4).isEqualTo(in.spacing()[2]);
            assertThat(pc.image().nz()).isBetween(9, 17);
            assertThat(pc.image().nx()).isEqualTo(64);
            assertThat(pc.image().orientation()).isEqualTo(in.orientation());
            orientations.add(in.orientation());
        }
        assertThat(orientations).containsExactlyInAnyOrder("LPS", "RAS", "LPI");
    }

    @Test
    void casesVaryInPhaseStorageOrientationAndTumourBurden() {
        PhantomGenerator g = new PhantomGenerator(tiny().withTumours(0.3, 8));
        Set<ContrastPhase> phases = EnumSet.noneOf(ContrastPhase.class);
        Set<StorageType> storage = EnumSet.noneOf(StorageType.class);
        Set<String> orientations = new HashSet<>();
        Set<Long> tumourCounts = new HashSet<>();
        double minDiameter = Double.MAX_VALUE;
        double maxDiameter = 0;
        for (int c = 0; c < 16; c++) {
            PhantomInfo in = g.generate(c).info();
            phases.add(in.phase());
            storage.add(in.storage());
            orientations.add(in.orientation());
            tumourCounts.add((long) in.tumours().size());
            for (TumourInfo t : in.tumours()) {
                minDiameter = Math.min(minDiameter, t.diameterMm());
                maxDiameter = Math.max(maxDiameter, t.diameterMm());
            }
            assertThat(in.noiseSigma()).isBetween(5.0, 20.0);
            assertThat(Math.abs(in.huOffset())).isLessThanOrEqualTo(10.0);
        }
        assertThat(phases).hasSizeGreaterThanOrEqualTo(3);
        assertThat(storage).hasSize(3);
        assertThat(orientations).containsExactlyInAnyOrder("RAS", "LPS");
        assertThat(tumourCounts).contains(0L).hasSizeGreaterThanOrEqualTo(3);
        assertThat(minDiameter).isLessThan(15);
        assertThat(maxDiameter).isGreaterThan(30);
    }

    @Test
    void theScanCoversMoreThanTheLiverSoSomeSlicesHaveNone() {
        // Default slice counts and thicknesses: 140–380 mm coverage around a 130–200 mm liver.
        PhantomGenerator g = new PhantomGenerator(PhantomOptions.defaults().withSize(32).withSeed(5));
        int withEmptySlices = 0;
        for (int c = 0; c < 6; c++) {
            PhantomInfo in = g.generate(c).info();
            assertThat(in.liverSlices()).isPositive();
            if (in.liverSlices() < in.dims()[2]) {
                withEmptySlices++;
            }
        }
        assertThat(withEmptySlices).isGreaterThanOrEqualTo(3);
    }

    @Test
    void caseNamesFollowMsd() {
        assertThat(new PhantomGenerator(tiny()).caseName(7)).isEqualTo("liver_007");
        assertThat(new PhantomGenerator(tiny().withTask(PhantomTask.VESSEL)).caseName(1234))
                .isEqualTo("hepaticvessel_1234");
        assertThatThrownBy(() -> new PhantomGenerator(tiny()).generate(-1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
