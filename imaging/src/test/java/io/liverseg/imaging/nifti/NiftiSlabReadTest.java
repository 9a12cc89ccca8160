package io.liverseg.imaging.nifti;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link NiftiReader#forEachSlab} and {@link NiftiReader#readFirstSlices}: whole slices, in order, exact values. */
class NiftiSlabReadTest {
    private static final int NX = 7;
    private static final int NY = 5;
    private static final int NZ = 11;

    @TempDir
    Path dir;

    private Volume scaledInt16() {
        short[] raw = new short[NX * NY * NZ];
        SplittableRandom r = new SplittableRandom(8);
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (short) r.nextInt(-3000, 3000);
        }
        return new Volume(new int[] {NX, NY, NZ}, Voxels.ofShorts(raw), Affine.scaling(0.7, 0.7, 2.5), 0.5, -1024);
    }

    @Test
    void slabsAreWholeSlicesInFileOrderWithTheFilesValuesAndGeometry() throws IOException {
        Volume v = scaledInt16();
        for (String name : List.of("s.nii", "s.nii.gz")) {
            Path f = dir.resolve(name);
            NiftiWriter.write(v, f);
            Affine stored = NiftiReader.defaults().readScan(f).affine();
            List<Integer> firsts = new ArrayList<>();
            List<Double> values = new ArrayList<>();
            // 3 slices fit in 3 * 35 * 2 + 1 bytes: slabs of 3, 3, 3 and 2
            NiftiReader.defaults().forEachSlab(f, 3L * NX * NY * 2 + 1, (slab, first) -> {
                firsts.add(first);
                assertThat(slab.nx()).isEqualTo(NX);
                assertThat(slab.ny()).isEqualTo(NY);
                assertThat(slab.affine()).isEqualTo(stored);
                for (int i = 0; i < slab.voxels().size(); i++) {
                    values.add(slab.value(i));
                }
                return true;
            });
            assertThat(firsts).containsExactly(0, 3, 6, 9);
            double[] expected = new double[v.voxels().size()];
            Arrays.setAll(expected, v::value);
            assertThat(values.stream().mapToDouble(Double::doubleValue).toArray()).containsExactly(expected);
        }
    }

    @Test
    void atLeastOneSliceAndStopWhenAsked() throws IOException {
        Path f = dir.resolve("s.nii.gz");
        NiftiWriter.write(scaledInt16(), f);
        Volume one = NiftiReader.defaults().readFirstSlices(f, 1);
        assertThat(one.dims()).containsExactly(NX, NY, 1);
        int[] calls = {0};
        NiftiReader.defaults().forEachSlab(f, 1, (slab, first) -> ++calls[0] < 2);
        assertThat(calls[0]).isEqualTo(2);
        assertThat(NiftiReader.defaults().readFirstSlices(f, Long.MAX_VALUE).dims()).containsExactly(NX, NY, NZ);
    }

    @Test
    void aTruncatedFileFailsNamingIt() throws IOException {
        Path f = dir.resolve("s.nii");
        NiftiWriter.write(scaledInt16(), f);
        byte[] bytes = Files.readAllBytes(f);
        Path cut = dir.resolve("cut.nii");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 100));
        assertThatThrownBy(() -> NiftiReader.defaults().forEachSlab(cut, 1 << 20, (slab, first) -> true))
                .isInstanceOf(NiftiException.class).hasMessageContaining("cut.nii").hasMessageContaining("truncated");
    }
}
