package io.liverseg.imaging.nifti;

import static io.liverseg.imaging.nifti.NiftiConformanceTest.assertAffineClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.DataType;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The header's affine methods, orientation, forVolume's qform decomposition and withVolume's verbatim copy. */
class NiftiHeaderTest {
    @TempDir
    Path tmp;

    private static NiftiHeader.Builder base() {
        return NiftiHeader.builder().dims(4, 4, 4).datatype(4).bitpix(16)
                .pixdim(-1, 2, 3, 4, 1, 1, 1, 1)
                .quatern(0, 1, 0).qoffset(10, 20, 30)
                .srow(new double[] {5, 0, 0, 1}, new double[] {0, 6, 0, 2}, new double[] {0, 0, 7, 3});
    }

    @Test
    void affineIsTheSformWhenSformCodeIsPositive() {
        NiftiHeader h = base().sformCode(1).qformCode(1).build();
        assertThat(h.affine()).isEqualTo(Affine.of(5, 0, 0, 1, 0, 6, 0, 2, 0, 0, 7, 3, 0, 0, 0, 1));
    }

    @Test
    void affineIsTheQformWhenOnlyQformCodeIsPositive() {
        NiftiHeader h = base().sformCode(0).qformCode(1).build();
        // quaternion (0, 1, 0) is a 180° turn about y: x and z flip; qfac -1 flips k once more
        assertAffineClose(h.affine(), Affine.of(-2, 0, 0, 10, 0, 3, 0, 20, 0, 0, 4, 30, 0, 0, 0, 1), 0);
        assertThat(h.orientation()).isEqualTo("LAS");
    }

    @Test
    void qfacZeroCountsAsOne() {
        NiftiHeader zero = base().sformCode(0).qformCode(1).pixdim(0, 2, 3, 4, 1, 1, 1, 1).build();
        NiftiHeader one = base().sformCode(0).qformCode(1).pixdim(1, 2, 3, 4, 1, 1, 1, 1).build();
        assertThat(zero.affine()).isEqualTo(one.affine());
        assertThat(zero.affine().get(2, 2)).isEqualTo(-4);
    }

    @Test
    void affineIsDiagonalPixdimWhenNeitherFormIsSet() {
        NiftiHeader h = base().sformCode(0).qformCode(0).build();
        assertThat(h.affine()).isEqualTo(Affine.scaling(2, 3, 4));
        NiftiHeader zeros = base().pixdim(0, 0, 3, Double.NaN, 0, 0, 0, 0).build();
        assertThat(zeros.affine()).as("zero or NaN spacing counts as 1").isEqualTo(Affine.scaling(1, 3, 1));
    }

    @Test
    void forVolumeQformReproducesRotatedFlippedAndAnisotropicAffines() {
        Random r = new Random(7);
        for (int n = 0; n < 200; n++) {
            double b = r.nextGaussian();
            double c = r.nextGaussian();
            double d = r.nextGaussian();
            double a = r.nextGaussian();
            double norm = Math.sqrt(a * a + b * b + c * c + d * d);
            double sign = a < 0 ? -1 : 1;
            Affine want = Qform.toAffine(sign * b / norm, sign * c / norm, sign * d / norm,
                    r.nextDouble() * 200 - 100, r.nextDouble() * 200 - 100, r.nextDouble() * 200 - 100,
                    0.3 + r.nextDouble() * 3, 0.3 + r.nextDouble() * 3, 0.3 + r.nextDouble() * 3,
                    r.nextBoolean() ? 1 : -1);
            Volume v = new Volume(new int[] {2, 2, 2}, Voxels.allocate(DataType.UINT8, 8), want, 1, 0);
            NiftiHeader h = NiftiHeader.forVolume(v);
            assertThat(h.affine()).isEqualTo(want);
            assertAffineClose(h.qformAffine(), want, 1e-9);
            assertThat(Math.abs(h.pixdim()[0])).isEqualTo(1);
            assertThat(h.pixdim()[0]).isEqualTo(want.determinant3() < 0 ? -1 : 1);
            assertThat(h.quaternB() * h.quaternB() + h.quaternC() * h.quaternC() + h.quaternD() * h.quaternD())
                    .isLessThanOrEqualTo(1 + 1e-12);
        }
    }

    @Test
    void forVolumeQformOfAShearedAffineIsItsNearestRotationWithColumnLengthsAsSpacing() {
        Affine sheared = Affine.of(2, 0.2, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 1);
        NiftiHeader h = NiftiHeader.forVolume(new Volume(new int[] {2, 2, 2}, Voxels.allocate(DataType.UINT8, 8),
                sheared, 1, 0));
        assertThat(h.affine()).isEqualTo(sheared);
        assertThat(h.pixdim()[1]).isEqualTo(2);
        assertThat(h.pixdim()[2]).isEqualTo(Math.sqrt(4.04));
        double[] q = {h.quaternB(), h.quaternC(), h.quaternD()};
        assertThat(q[0]).isZero();
        assertThat(q[1]).isZero();
        assertThat(q[2]).isNotZero().isLessThan(0.1);
    }

    @Test
    void forVolumeSwitchesToNifti2WhenADimExceedsInt16() {
        Volume v = new Volume(new int[] {40000, 1, 1}, Voxels.allocate(DataType.UINT8, 40000), Affine.scaling(1, 1, 1), 1, 0);
        NiftiHeader h = NiftiHeader.forVolume(v);
        assertThat(h.version()).isEqualTo(2);
        assertThat(h.magic()).isEqualTo("n+2");
    }

    @Test
    void withVolumeKeepsGeometryVerbatimSoAMaskReadsBackOnTheExactGrid() throws IOException {
        // float values that no forVolume would produce: the header must survive untouched
        NiftiHeader ct = NiftiHeader.builder().dims(64, 48, 20, 1).datatype(4).bitpix(16)
                .pixdim(-1, 0.7421875f, 0.7421875f, 2.5f, 1.7f, 1, 1, 1)
                .qformCode(1).sformCode(1)
                .quatern(-1.9451068e-26f, -0.99670851f, -0.08106874f).qoffset(117.8551f, -35.722942f, -7.248798f)
                .srow(new double[] {-0.7421875f, 6.7e-19f, 9.1e-18f, 117.8551f},
                        new double[] {-6.7e-19f, 0.73245f, -0.41239f, -35.722942f},
                        new double[] {8.3e-18f, 0.11992f, 2.4711f, -7.248798f})
                .sclSlope(1).sclInter(-1024).calMin(-1024).calMax(3071).xyztUnits(10).descrip("CT")
                .extensions(List.of(NiftiExtension.ofText(6, "dicom derived"))).build();
        Path ctPath = tmp.resolve("ct.nii");
        Volume ctVolume = new Volume(new int[] {64, 48, 20, 1}, Voxels.allocate(DataType.INT16, 64 * 48 * 20),
                ct.affine(), 1, -1024);
        NiftiWriter.write(new NiftiImage(ct, ctVolume, 0), ctPath);
        NiftiImage read = NiftiReader.defaults().read(ctPath);

        Volume scan = NiftiReader.defaults().readScan(ctPath);
        Volume mask = scan.withVoxels(Voxels.allocate(DataType.UINT8, scan.voxels().size()), 1, 0);
        NiftiHeader mh = read.header().withVolume(mask);
        assertThat(mh.datatype()).isEqualTo(2);
        assertThat(mh.bitpix()).isEqualTo(8);
        assertThat(mh.sclSlope()).isEqualTo(1);
        assertThat(mh.sclInter()).isZero();
        assertThat(mh.calMin()).isZero();
        assertThat(mh.calMax()).isZero();
        assertThat(mh.dim()).as("same grid: the 4D dim with nt = 1 is kept").isEqualTo(read.header().dim());
        assertThat(mh.pixdim()).isEqualTo(read.header().pixdim());
        assertThat(mh.srowX()).isEqualTo(read.header().srowX());
        assertThat(mh.srowY()).isEqualTo(read.header().srowY());
        assertThat(mh.srowZ()).isEqualTo(read.header().srowZ());
        assertThat(new double[] {mh.quaternB(), mh.quaternC(), mh.quaternD(), mh.qoffsetX(), mh.qoffsetY(),
            mh.qoffsetZ()}).isEqualTo(new double[] {read.header().quaternB(), read.header().quaternC(),
                read.header().quaternD(), read.header().qoffsetX(), read.header().qoffsetY(), read.header().qoffsetZ()});
        assertThat(mh.qformCode()).isEqualTo(1);
        assertThat(mh.sformCode()).isEqualTo(1);
        assertThat(mh.xyztUnits()).isEqualTo(10);
        assertThat(mh.descrip()).isEqualTo("CT");
        assertThat(mh.extensions()).isEqualTo(read.header().extensions());

        Path maskPath = tmp.resolve("mask.nii.gz");
        NiftiWriter.write(new NiftiImage(read.header(), mask, 0), maskPath);
        Volume maskBack = NiftiReader.defaults().readScan(maskPath);
        assertThat(maskBack.affine()).isEqualTo(scan.affine()).isEqualTo(read.volume().affine());
        assertThat(maskBack.voxels().type()).isEqualTo(DataType.UINT8);
        assertThat(maskBack.dims()).containsExactly(64, 48, 20);
    }

    @Test
    void withVolumeRecomputesGeometryWhenTheVolumeMovedAndSetsDimsWhenTheGridChanged() {
        NiftiHeader h = base().sformCode(0).qformCode(0).build();
        Affine moved = Affine.of(0, 0, 1.5, 4, 1, 0, 0, 5, 0, 2, 0, 6, 0, 0, 0, 1);
        Volume v = new Volume(new int[] {3, 5, 7}, Voxels.allocate(DataType.FLOAT32, 105), moved, 2, 3);
        NiftiHeader w = h.withVolume(v);
        assertThat(w.affine()).isEqualTo(moved);
        assertThat(w.sformCode()).isEqualTo(2);
        assertThat(w.qformCode()).isEqualTo(1);
        assertAffineClose(w.qformAffine(), moved, 1e-12);
        assertThat(w.dim()).containsExactly(3, 3, 5, 7, 1, 1, 1, 1);
        assertThat(w.sclSlope()).isEqualTo(2);
        assertThat(w.sclInter()).isEqualTo(3);
        assertThat(w.datatype()).isEqualTo(16);
    }

    @Test
    void withVolumeKeepsGeometryWhenTheAffineDiffersOnlyBelowFloatPrecisionOrInTheSignOfZero() {
        NiftiHeader h = NiftiHeader.forVolume(new Volume(new int[] {2, 2, 2}, Voxels.allocate(DataType.UINT8, 8),
                Affine.of(-0.75f, 0, 0, 90.3f, 0, 0.75f, 0, -126.1f, 0, 0, 2.5f, -72.7f, 0, 0, 0, 1), 1, 0));
        double[] m = h.affine().toArray();
        m[3] = Math.nextUp(m[3]);
        m[1] = -0.0;
        Volume noisy = new Volume(new int[] {2, 2, 2}, Voxels.allocate(DataType.UINT8, 8), Affine.of(m), 1, 0);
        NiftiHeader w = h.withVolume(noisy);
        assertThat(w.srowX()).isEqualTo(h.srowX());
        assertThat(w.quaternB()).isEqualTo(h.quaternB());
        assertThat(w.affine()).isEqualTo(h.affine());
    }

    @Test
    void builderRejectsTextFieldsLongerThanTheirHeaderSlots() {
        assertThatThrownBy(() -> NiftiHeader.builder().descrip("x".repeat(81)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("descrip");
        assertThat(NiftiHeader.builder().descrip("é".repeat(40)).build().descrip()).isEqualTo("é".repeat(40));
    }

    @Test
    void extensionEsizeRoundsContentPlusEightUpTo16() {
        assertThat(NiftiExtension.ofText(6, "").esize()).isEqualTo(16);
        assertThat(NiftiExtension.ofText(6, "12345678").esize()).isEqualTo(16);
        assertThat(NiftiExtension.ofText(6, "123456789").esize()).isEqualTo(32);
        assertThat(NiftiExtension.ofText(6, "ab")).isEqualTo(new NiftiExtension(6, new byte[] {'a', 'b'}));
    }
}
