package io.liverseg.imaging.phantom;

import static io.liverseg.imaging.phantom.PhantomFixtures.centroid;
import static io.liverseg.imaging.phantom.PhantomFixtures.tiny;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.liverseg.imaging.DataType;
import io.liverseg.imaging.Volume;
import org.junit.jupiter.api.Test;

/** The same patient stored in different orientations and types is the same image in world space and HU. */
class PhantomStorageTest {

    @Test
    void rasAndLpsStorageHoldTheSameAnatomyInWorldSpace() {
        PhantomCase ras = new PhantomGenerator(tiny().withOrientations("RAS")).generate(2);
        PhantomCase lps = new PhantomGenerator(tiny().withOrientations("LPS")).generate(2);
        assertThat(ras.image().orientation()).isEqualTo("RAS");
        assertThat(lps.image().orientation()).isEqualTo("LPS");
        assertThat(lps.label().orientation()).isEqualTo("LPS");
        assertThat(ras.info().liverVoxels()).isPositive();

        double[] a = centroid(ras.label(), 1);
        double[] b = centroid(lps.label(), 1);
        double voxel = ras.image().spacing()[0];
        for (int d = 0; d < 3; d++) {
            assertThat(b[d]).isCloseTo(a[d], within(voxel));
        }
        // Stronger: every voxel has the same value at the same world position.
        Volume ri = ras.image();
        Volume li = lps.image();
        int n = ri.nx();
        for (int k = 0; k < ri.nz(); k += 3) {
            for (int j = 0; j < n; j += 2) {
                for (int i = 0; i < n; i += 2) {
                    int fi = n - 1 - i;
                    int fj = n - 1 - j;
                    assertThat(li.affine().apply(fi, fj, k)).containsExactly(ri.affine().apply(i, j, k), within(1e-6));
                    assertThat(li.value(fi, fj, k)).isEqualTo(ri.value(i, j, k));
                    assertThat(lps.label().value(fi, fj, k)).isEqualTo(ras.label().value(i, j, k));
                }
            }
        }
    }

    @Test
    void liverIsOnThePatientsRightInWorldSpace() {
        // RAS+: +x is the patient's right. The liver's centroid lies right of the spine's, whatever the storage.
        for (String o : new String[] {"RAS", "LPS", "LPI"}) {
            PhantomCase pc = new PhantomGenerator(tiny().withSize(96).withOrientations(o)).generate(1);
            PhantomGenerator.Detailed d = new PhantomGenerator(tiny().withSize(96).withOrientations(o))
                    .generateDetailed(1);
            double[] liver = centroid(pc.label(), 1);
            double spineX = 0;
            long n = 0;
            Volume im = pc.image();
            for (int k = 0; k < im.nz(); k++) {
                for (int j = 0; j < im.ny(); j++) {
                    for (int i = 0; i < im.nx(); i++) {
                        int t = d.tissues()[im.index(i, j, k)];
                        if (t == Tissue.BONE_MARROW || t == Tissue.DISC) {
                            spineX += im.affine().apply(i, j, k)[0];
                            n++;
                        }
                    }
                }
            }
            assertThat(liver[0]).as(o).isGreaterThan(spineX / n + 20);
        }
    }

    @Test
    void everyStorageTypeDecodesToTheSameHu() {
        PhantomCase i16 = new PhantomGenerator(tiny().withStorageTypes(StorageType.INT16)).generate(5);
        PhantomCase off = new PhantomGenerator(tiny().withStorageTypes(StorageType.INT16_OFFSET)).generate(5);
        PhantomCase f32 = new PhantomGenerator(tiny().withStorageTypes(StorageType.FLOAT32)).generate(5);

        assertThat(i16.image().voxels().type()).isEqualTo(DataType.INT16);
        assertThat(i16.image().isScaled()).isFalse();
        assertThat(off.image().voxels().type()).isEqualTo(DataType.INT16);
        assertThat(off.image().slope()).isEqualTo(1.0);
        assertThat(off.image().inter()).isEqualTo(-1024.0);
        assertThat(f32.image().voxels().type()).isEqualTo(DataType.FLOAT32);
        assertThat(f32.image().isScaled()).isFalse();

        boolean fractional = false;
        int size = i16.image().voxels().size();
        for (int p = 0; p < size; p++) {
            double hu = i16.image().value(p);
            assertThat(off.image().value(p)).isEqualTo(hu);
            assertThat(off.image().voxels().get(p)).isEqualTo(hu + 1024);
            double f = f32.image().value(p);
            assertThat(f).isCloseTo(hu, within(0.5 + 1e-3));
            fractional |= f != Math.rint(f);
        }
        assertThat(fractional).as("float32 keeps sub-HU precision").isTrue();
        assertThat(off.label().voxels()).isEqualTo(i16.label().voxels());
    }
}
