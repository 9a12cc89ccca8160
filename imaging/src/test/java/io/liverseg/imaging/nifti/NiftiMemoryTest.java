package io.liverseg.imaging.nifti;

import static org.assertj.core.api.Assertions.assertThat;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.DataType;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a 512×512×300 int16 CT from .nii.gz allocates the decoded voxel bytes plus a small constant (the
 * file is inflated in chunks straight into the typed array, never held whole as a byte[]), and writing
 * allocates only a small constant. Measured as bytes allocated by the test thread
 * ({@link com.sun.management.ThreadMXBean#getThreadAllocatedBytes}), which is exact and GC-independent.
 */
class NiftiMemoryTest {
    private static final long SLACK = 8L << 20;

    @TempDir
    Path tmp;

    @Test
    void readingA512x512x300Int16NiiGzAllocatesAboutTheVoxelBytesAndWritingAConstant() throws IOException {
        int nx = 512;
        int ny = 512;
        int nz = 300;
        short[] values = new short[nx * ny * nz];
        for (int i = 0; i < values.length; i++) {
            values[i] = (short) ((i % nx) * 3 + (i / nx % ny) - (i / (nx * ny)) * 5 - 1000);
        }
        Volume ct = new Volume(new int[] {nx, ny, nz}, Voxels.ofShorts(values),
                Affine.of(-0.75, 0, 0, 190, 0, -0.75, 0, 190, 0, 0, 1.5, -300, 0, 0, 0, 1), 1, -1024);
        long voxelBytes = 2L * values.length;
        Path p = tmp.resolve("ct.nii.gz");

        long before = allocatedBytes();
        NiftiWriter.write(ct, p);
        long writeAllocated = allocatedBytes() - before;
        assertThat(Files.size(p)).isLessThan(voxelBytes);
        assertThat(writeAllocated).as("bytes allocated writing %d voxel bytes", voxelBytes).isLessThan(SLACK);

        before = allocatedBytes();
        Volume back = NiftiReader.defaults().readVolume(p);
        long readAllocated = allocatedBytes() - before;
        assertThat(readAllocated).as("bytes allocated reading %d voxel bytes", voxelBytes)
                .isGreaterThanOrEqualTo(voxelBytes)
                .isLessThan(voxelBytes + SLACK);

        assertThat(back.voxels().type()).isEqualTo(DataType.INT16);
        assertThat(back.voxels().shortArray()).isEqualTo(values);
        assertThat(back.inter()).isEqualTo(-1024);
    }

    static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}
