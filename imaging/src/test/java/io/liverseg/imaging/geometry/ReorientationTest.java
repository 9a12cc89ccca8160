package io.liverseg.imaging.geometry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.DataType;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReorientationTest {

    /** Storage orientations a scanner or converter may write, each with a distinctive affine. */
    static Stream<Arguments> orientations() {
        return Stream.of(
                Arguments.of("RAS", Affine.of(0.8, 0, 0, -100, 0, 0.8, 0, -120, 0, 0, 2.5, -300, 0, 0, 0, 1)),
                // DICOM-like LPS: i to the patient's left, j posterior (how most CT is stored)
                Arguments.of("LPS", Affine.of(-0.7, 0, 0, 180, 0, -0.7, 0, 160, 0, 0, 3, -400, 0, 0, 0, 1)),
                // LAS: nibabel's default for radiological storage
                Arguments.of("LAS", Affine.of(-0.9, 0, 0, 110, 0, 0.9, 0, -90, 0, 0, 1, -50, 0, 0, 0, 1)),
                // flipped z: slices stored head to foot
                Arguments.of("RAI", Affine.of(0.6, 0, 0, -80, 0, 0.6, 0, -70, 0, 0, -5, 200, 0, 0, 0, 1)),
                // permuted axes: sagittal-major storage, i runs A→P... j superior, k left
                Arguments.of("PSL", Affine.of(0, 0, -1.5, 60, -0.8, 0, 0, 90, 0, 1.2, 0, -30, 0, 0, 0, 1)),
                Arguments.of("SRA", Affine.of(0, 0.9, 0, -40, 0, 0, 1.1, -55, 2.0, 0, 0, -10, 0, 0, 0, 1)),
                // slightly oblique LPS (gantry tilt): still reoriented by permutation/flip only
                Arguments.of("LPS", Affine.of(-0.7, 0.02, 0, 180, -0.01, -0.7, 0.2, 160, 0, 0.05, 3, -400, 0, 0, 0, 1)));
    }

    private static Volume indexVolume(Affine affine, DataType type) {
        int nx = 5;
        int ny = 4;
        int nz = 3;
        Voxels v = Voxels.allocate(type, nx * ny * nz);
        for (int p = 0; p < v.size(); p++) {
            v.set(p, p + 1);
        }
        return new Volume(nx, ny, nz, v, affine);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("orientations")
    void canonicalVolumeIsRasAndEveryVoxelKeepsItsWorldPosition(String code, Affine affine) {
        Volume source = indexVolume(affine, DataType.INT16);
        assertThat(source.orientation()).isEqualTo(code);

        Reorientation r = Reorientation.toCanonical(source);
        Volume canonical = r.apply(source);

        assertThat(canonical.orientation()).isEqualTo("RAS");
        int[] d = canonical.dims();
        for (int k = 0; k < d[2]; k++) {
            for (int j = 0; j < d[1]; j++) {
                for (int i = 0; i < d[0]; i++) {
                    int value = (int) canonical.value(i, j, k);
                    int p = value - 1;
                    int si = p % 5;
                    int sj = (p / 5) % 4;
                    int sk = p / 20;
                    double[] expected = source.affine().apply(si, sj, sk);
                    double[] actual = canonical.affine().apply(i, j, k);
                    for (int a = 0; a < 3; a++) {
                        assertThat(actual[a]).as("world %s of canonical voxel (%d,%d,%d)", "xyz".charAt(a), i, j, k)
                                .isCloseTo(expected[a], within(1e-9));
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("orientations")
    void invertRestoresSourceVoxelsDimsAndTheExactAffine(String code, Affine affine) {
        for (DataType type : DataType.values()) {
            Volume source = indexVolume(affine, type);
            Reorientation r = Reorientation.toCanonical(source);
            Volume back = r.invert(r.apply(source));
            assertThat(back.dims()).containsExactly(source.dims());
            assertThat(back.voxels()).as(type.name()).isEqualTo(source.voxels());
            assertThat(back.affine()).isSameAs(source.affine());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("orientations")
    void canonicalDirectionsArePositive(String code, Affine affine) {
        Affine canonical = Reorientation.toCanonical(indexVolume(affine, DataType.UINT8)).canonicalAffine();
        // RAS+: voxel axis a moves mostly along +world axis a
        for (int a = 0; a < 3; a++) {
            assertThat(canonical.get(a, a)).as("diagonal %d", a).isPositive();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("orientations")
    void sourceIndexReadsCanonicalVoxelsWithoutACopy(String code, Affine affine) {
        Volume source = indexVolume(affine, DataType.INT32);
        Reorientation r = Reorientation.toCanonical(source);
        Volume canonical = r.apply(source);
        int[] d = r.canonicalDims();
        for (int k = 0; k < d[2]; k++) {
            int maxIndex = -1;
            for (int j = 0; j < d[1]; j++) {
                for (int i = 0; i < d[0]; i++) {
                    int src = r.sourceIndex(i, j, k);
                    maxIndex = Math.max(maxIndex, src);
                    assertThat(source.voxels().get(src)).isEqualTo(canonical.value(i, j, k));
                }
            }
            assertThat(r.sourceVoxelsNeeded(k)).as("slice %d", k).isEqualTo(maxIndex + 1L);
        }
    }

    @org.junit.jupiter.api.Test
    void rasInputIsLeftAlone() {
        Volume source = indexVolume(Affine.scaling(1, 1, 1), DataType.FLOAT32);
        Reorientation r = Reorientation.toCanonical(source);
        assertThat(r.isIdentity()).isTrue();
        assertThat(r.apply(source)).isSameAs(source);
    }
}
