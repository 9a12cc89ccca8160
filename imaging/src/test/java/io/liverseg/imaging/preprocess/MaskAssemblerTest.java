package io.liverseg.imaging.preprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import io.liverseg.imaging.geometry.Reorientation;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MaskAssemblerTest {

    static Stream<Affine> affines() {
        return Stream.of(
                Affine.scaling(0.8, 0.8, 2.5),                                              // RAS
                Affine.of(-0.7, 0, 0, 180, 0, -0.7, 0, 160, 0, 0, 3, -400, 0, 0, 0, 1),     // LPS
                Affine.of(0.7, 0, 0, 0, 0, 0.7, 0, 0, 0, 0, -3, 90, 0, 0, 0, 1),            // flipped z
                Affine.of(0, -0.7, 0, 0, 0.7, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1));            // permuted i/j
    }

    /** Labels in 2×2 in-plane blocks survive a halving and doubling by nearest neighbour exactly. */
    private static Volume blockLabels(Affine affine, int n, int nz) {
        byte[] labels = new byte[n * n * nz];
        for (int k = 0; k < nz; k++) {
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < n; i++) {
                    labels[i + n * (j + n * k)] = (byte) (((i / 2) + (j / 2) * 3 + k) % 3);
                }
            }
        }
        return new Volume(n, n, nz, Voxels.ofUnsignedBytes(labels), affine);
    }

    @ParameterizedTest
    @MethodSource("affines")
    void slicePredictionsComeBackOnTheInputGridWithItsAffine(Affine affine) {
        int n = 8;
        Volume reference = blockLabels(affine, n, 3);
        Reorientation r = Reorientation.toCanonical(reference);
        Volume canonical = r.apply(reference);
        MaskAssembler assembler = new MaskAssembler(r, n / 2);
        // pretend a network predicted perfectly at half resolution, in two batches
        byte[] first = new byte[2 * (n / 2) * (n / 2)];
        for (int k = 0; k < 2; k++) {
            System.arraycopy(SlicePreprocessor.labelSlice(canonical, k, n / 2), 0, first, k * (n / 2) * (n / 2), (n / 2) * (n / 2));
        }
        assembler.put(0, 2, first);
        assertThat(assembler.isComplete()).isFalse();
        assembler.put(2, 1, SlicePreprocessor.labelSlice(canonical, 2, n / 2));

        Volume mask = assembler.toSourceGrid();
        assertThat(mask.dims()).containsExactly(reference.dims());
        assertThat(mask.affine()).isSameAs(reference.affine());
        assertThat(mask.voxels()).isEqualTo(reference.voxels());
    }

    @ParameterizedTest
    @MethodSource("affines")
    void refusesAnIncompleteMask(Affine affine) {
        MaskAssembler assembler = new MaskAssembler(Reorientation.toCanonical(new int[] {4, 4, 2}, affine), 4);
        assembler.put(0, 1, new byte[16]);
        assertThatThrownBy(assembler::toSourceGrid).hasMessageContaining("1 of 2 slices");
    }
}
