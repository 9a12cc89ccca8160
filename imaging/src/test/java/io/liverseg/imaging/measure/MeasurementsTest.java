package io.liverseg.imaging.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import java.util.List;
import org.junit.jupiter.api.Test;

class MeasurementsTest {
    private static final Affine GRID = Affine.of(-0.5, 0, 0, 10, 0, -0.8, 0, 20, 0, 0, 2.5, -30, 0, 0, 0, 1);

    private static Volume labels(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return new Volume(values.length, 1, 1, Voxels.ofUnsignedBytes(b), GRID);
    }

    @Test
    void volumesUseTheAffineVoxelVolumeAndMeanHuTheScaledImage() {
        Volume label = labels(0, 1, 1, 2, 1, 0);
        short[] raw = {0, 1100, 1120, 1000, 1130, 24};
        Volume image = new Volume(new int[] {6, 1, 1}, Voxels.ofShorts(raw), GRID, 1, -1024);
        List<LabelStatistics.LabelStat> stats = LabelStatistics.compute(image, label);
        assertThat(stats).extracting(LabelStatistics.LabelStat::label).containsExactly(0, 1, 2);
        LabelStatistics.LabelStat liver = stats.get(1);
        assertThat(liver.voxels()).isEqualTo(3);
        // 0.5 × 0.8 × 2.5 = 1 mm³ per voxel
        assertThat(liver.volumeMl()).isCloseTo(3 * 1.0 / 1000, within(1e-12));
        assertThat(liver.meanHu()).isCloseTo((76 + 96 + 106) / 3.0, within(1e-9));
        assertThat(stats.get(2).meanHu()).isCloseTo(-24, within(1e-9));
    }

    @Test
    void volumesWithoutAnImageHaveNoMeanHu() {
        assertThat(LabelStatistics.compute(null, labels(1, 1)).get(0).meanHu()).isNaN();
    }

    @Test
    void perCaseDiceAndTheEmptyConvention() {
        DiceCounts c = DiceCounts.of(labels(0, 1, 1, 1, 0, 0), labels(0, 1, 1, 0, 1, 0), 3);
        assertThat(c.dice(1)).isCloseTo(2.0 * 2 / (3 + 3), within(1e-12));
        assertThat(c.isEmpty(2)).isTrue();
        assertThat(c.dice(2)).isEqualTo(1.0);
        DiceCounts missed = DiceCounts.of(labels(0, 0), labels(0, 2), 3);
        assertThat(missed.dice(2)).isZero();
        DiceCounts spurious = DiceCounts.of(labels(2, 0), labels(0, 0), 3);
        assertThat(spurious.dice(2)).isZero();
    }

    @Test
    void globalDiceSumsCountsAndDiffersFromTheMeanOfCases() {
        // case A: big structure, near perfect; case B: small structure, missed entirely
        DiceCounts a = DiceCounts.of(labels(1, 1, 1, 1, 1, 1, 1, 1, 1, 0), labels(1, 1, 1, 1, 1, 1, 1, 1, 1, 1), 2);
        DiceCounts b = DiceCounts.of(labels(0, 0), labels(1, 0), 2);
        double mean = (a.dice(1) + b.dice(1)) / 2;
        double global = a.plus(b).dice(1);
        assertThat(a.dice(1)).isCloseTo(18.0 / 19, within(1e-12));
        assertThat(mean).isCloseTo(9.0 / 19, within(1e-12));
        assertThat(global).isCloseTo(18.0 / 20, within(1e-12));
    }

    @Test
    void gridMismatchIsATypedErrorNamingTheField() {
        Volume a = labels(0, 1);
        Volume shifted = new Volume(2, 1, 1, a.voxels(), Affine.scaling(1, 1, 1));
        assertThatThrownBy(() -> DiceCounts.of(a, shifted, 2)).isInstanceOfSatisfying(GridMismatchException.class,
                e -> assertThat(e.field()).isEqualTo("affine"));
        assertThatThrownBy(() -> LabelStatistics.compute(labels(0, 1, 2), a)).isInstanceOfSatisfying(GridMismatchException.class,
                e -> assertThat(e.field()).isEqualTo("dim"));
    }

    @Test
    void labelsOutsideTheClassRangeAreRefused() {
        assertThatThrownBy(() -> DiceCounts.of(labels(3), labels(0), 3)).hasMessageContaining("prediction label 3");
    }
}
