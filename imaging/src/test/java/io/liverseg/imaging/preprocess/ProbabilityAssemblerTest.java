package io.liverseg.imaging.preprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.DataType;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import io.liverseg.imaging.geometry.Reorientation;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ProbabilityAssemblerTest {

    static java.util.stream.Stream<Affine> affines() {
        return MaskAssemblerTest.affines();
    }

    @ParameterizedTest
    @MethodSource("affines")
    void everyClassComesBackOnTheInputGridExactlyAsTheMaskDoes(Affine affine) {
        int nx = 6;
        int ny = 5;
        int nz = 3;
        int size = 4;
        int classes = 3;
        Volume input = new Volume(nx, ny, nz, Voxels.ofUnsignedBytes(new byte[nx * ny * nz]), affine);
        Reorientation r = Reorientation.toCanonical(input);
        ProbabilityAssembler probabilities = new ProbabilityAssembler(r, size, classes);
        MaskAssembler[] perClass = new MaskAssembler[classes];
        for (int c = 0; c < classes; c++) {
            perClass[c] = new MaskAssembler(r, size);
        }
        SplittableRandom rng = new SplittableRandom(5);
        int plane = size * size;
        // two batches, (slice, class, y, x) as the predictor lays them out
        for (int[] batch : new int[][] {{0, 2}, {2, 1}}) {
            byte[] q = new byte[batch[1] * classes * plane];
            for (int i = 0; i < q.length; i++) {
                q[i] = (byte) rng.nextInt(256);
            }
            probabilities.put(batch[0], batch[1], q);
            for (int c = 0; c < classes; c++) {
                byte[] classPlanes = new byte[batch[1] * plane];
                for (int n = 0; n < batch[1]; n++) {
                    System.arraycopy(q, (n * classes + c) * plane, classPlanes, n * plane, plane);
                }
                perClass[c].put(batch[0], batch[1], classPlanes);
            }
        }

        Volume v = probabilities.toSourceGrid();
        assertThat(v.dims()).containsExactly(nx, ny, nz, classes);
        assertThat(v.affine()).isEqualTo(affine);
        assertThat(v.voxels().type()).isEqualTo(DataType.UINT8);
        assertThat(v.slope()).isEqualTo(1.0 / 255);
        assertThat(v.inter()).isZero();
        int n3 = nx * ny * nz;
        for (int c = 0; c < classes; c++) {
            byte[] expected = perClass[c].toSourceGrid().voxels().byteArray();
            assertThat(Arrays.copyOfRange(v.voxels().byteArray(), c * n3, (c + 1) * n3)).as("class %d", c)
                    .isEqualTo(expected);
        }
        // a stored byte b reads as probability b / 255
        for (int i = 0; i < v.voxels().size(); i++) {
            assertThat(v.value(i)).isCloseTo((v.voxels().byteArray()[i] & 0xFF) / 255.0, within(1e-12));
        }
    }

    @ParameterizedTest
    @MethodSource("affines")
    void refusesWrongSizesAndAnIncompleteVolume(Affine affine) {
        Volume input = new Volume(4, 4, 2, Voxels.ofUnsignedBytes(new byte[32]), affine);
        ProbabilityAssembler a = new ProbabilityAssembler(Reorientation.toCanonical(input), 2, 3);
        assertThatThrownBy(() -> a.put(0, 1, new byte[2 * 2 * 2])).hasMessageContaining("3 × 2²");
        assertThatThrownBy(() -> a.put(1, 2, new byte[2 * 3 * 4])).hasMessageContaining("outside");
        a.put(0, 1, new byte[3 * 4]);
        assertThat(a.isComplete()).isFalse();
        assertThatThrownBy(a::toSourceGrid).hasMessageContaining("1 of 2 slices");
    }
}
