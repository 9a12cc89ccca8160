package io.liverseg.imaging.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import org.junit.jupiter.api.Test;

class TissueErrorsTest {
    private static final Affine GRID = Affine.scaling(0.8, 0.8, 2.5);
    // tissue codes of these tests: 0 air, 1 muscle, 2 liver, 3 ivc
    private static final int TISSUES = 4;

    private static Volume map(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return new Volume(values.length, 1, 1, Voxels.ofUnsignedBytes(b), GRID);
    }

    @Test
    void wrongVoxelsAreCountedByTheTissueUnderThem() {
        Volume tissue = map(0, 1, 3, 3, 2, 2, 2, 2);
        Volume reference = map(0, 0, 0, 0, 1, 1, 2, 1);
        Volume prediction = map(0, 1, 1, 1, 1, 0, 1, 2);

        TissueErrors e = TissueErrors.of(prediction, reference, tissue, 3, TISSUES);

        // liver predicted on muscle once and on the IVC twice; the tumour voxel called liver is a liver-tissue FP
        assertThat(e.falsePositives(1, 1)).isEqualTo(1);
        assertThat(e.falsePositives(1, 3)).isEqualTo(2);
        assertThat(e.falsePositives(1, 2)).isEqualTo(1);
        // liver missed twice on liver tissue: once as background, once as tumour
        assertThat(e.falseNegatives(1, 2)).isEqualTo(2);
        assertThat(e.falseNegatives(2, 2)).isEqualTo(1);
        assertThat(e.falsePositives(2, 2)).isEqualTo(1);
        assertThat(e.falseNegatives(0, 1) + e.falseNegatives(0, 3)).isEqualTo(3);
        // correct voxels count nowhere
        assertThat(e.falsePositives(0, 0) + e.falseNegatives(0, 0)).isZero();
    }

    @Test
    void casesAddUp() {
        Volume tissue = map(3, 2);
        TissueErrors a = TissueErrors.of(map(1, 1), map(0, 1), tissue, 2, TISSUES);
        TissueErrors b = TissueErrors.of(map(1, 0), map(0, 1), tissue, 2, TISSUES);

        TissueErrors sum = TissueErrors.empty(2, TISSUES).plus(a).plus(b);

        assertThat(sum.falsePositives(1, 3)).isEqualTo(2);
        assertThat(sum.falseNegatives(1, 2)).isEqualTo(1);
    }

    @Test
    void aTissueCodeOutsideTheLegendIsRefusedNamingTheVoxel() {
        assertThatThrownBy(() -> TissueErrors.of(map(1, 0), map(0, 0), map(7, 0), 2, TISSUES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tissue code 7 at voxel 0");
    }

    @Test
    void aTissueMapOnAnotherGridIsRefused() {
        Volume shifted = new Volume(2, 1, 1, Voxels.ofUnsignedBytes(new byte[2]), Affine.scaling(0.8, 0.8, 3.0));
        assertThatThrownBy(() -> TissueErrors.of(map(1, 0), map(0, 0), shifted, 2, TISSUES))
                .isInstanceOf(GridMismatchException.class);
    }
}
