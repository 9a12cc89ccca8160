package io.liverseg.imaging.preprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import io.liverseg.imaging.nifti.NiftiException;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.nifti.NiftiWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class StreamingSlicerTest {
    private static final int NX = 40;
    private static final int NY = 36;
    private static final int NZ = 90; // > one 64 KiB read chunk, so batches really are made mid-read
    private static final PreprocessingSpec SPEC = new PreprocessingSpec(HuWindow.ABDOMEN, Normalization.UNIT, 16, 3);

    @TempDir
    Path dir;

    static Stream<Affine> affines() {
        return Stream.of(
                Affine.of(-0.7, 0, 0, 180, 0, -0.7, 0, 160, 0, 0, 3, -400, 0, 0, 0, 1),   // LPS
                Affine.scaling(0.8, 0.8, 2),                                            // RAS
                Affine.of(0.7, 0, 0, 0, 0, 0.7, 0, 0, 0, 0, -3, 90, 0, 0, 0, 1),        // flipped z
                Affine.of(0, 0, 2, 0, 0.7, 0, 0, 0, 0, 0.7, 0, 0, 0, 0, 0, 1));          // slice axis permuted
    }

    private Path writeCt(Affine affine) throws IOException {
        short[] hu = new short[NX * NY * NZ];
        SplittableRandom rnd = new SplittableRandom(3);
        for (int p = 0; p < hu.length; p++) {
            hu[p] = (short) rnd.nextInt(-1000, 1000);
        }
        Path f = dir.resolve("ct.nii.gz");
        NiftiWriter.write(new Volume(NX, NY, NZ, Voxels.ofShorts(hu), affine), f);
        return f;
    }

    @ParameterizedTest
    @MethodSource("affines")
    void emitsTheSameBatchesInOrderAsPreprocessingTheWholeVolume(Affine affine) throws IOException {
        Path file = writeCt(affine);
        List<SliceBatch> streamed = new ArrayList<>();
        Volume read = StreamingSlicer.readAndSlice(NiftiReader.defaults(), file, SPEC, 7, streamed::add);

        Volume whole = NiftiReader.defaults().readScan(file);
        assertThat(read.voxels()).isEqualTo(whole.voxels());
        SlicePreprocessor reference = new SlicePreprocessor(whole, SPEC);
        int next = 0;
        for (SliceBatch b : streamed) {
            assertThat(b.firstSlice()).isEqualTo(next);
            assertThat(b.data()).containsExactly(reference.batch(b.firstSlice(), b.count()).data());
            next += b.count();
        }
        assertThat(next).isEqualTo(reference.sliceCount());
    }

    /** From a stream (as preprocess reads S3) the batches are those of the file, for every orientation. */
    @ParameterizedTest
    @MethodSource("affines")
    void aStreamGivesTheSameBatchesAsTheFile(Affine affine) throws IOException {
        Path file = writeCt(affine);
        List<SliceBatch> fromFile = new ArrayList<>();
        StreamingSlicer.readAndSlice(NiftiReader.defaults(), file, SPEC, 7, fromFile::add);
        List<SliceBatch> fromStream = new ArrayList<>();
        List<Volume> started = new ArrayList<>();
        Volume read;
        try (InputStream in = Files.newInputStream(file)) {
            read = StreamingSlicer.readAndSlice(NiftiReader.defaults(), in, "scans/x/image.nii.gz", SPEC, 7,
                    fromStream::add, started::add);
        }

        assertThat(read.voxels()).isEqualTo(NiftiReader.defaults().readScan(file).voxels());
        assertThat(started).containsExactly(read);
        assertThat(fromStream).hasSameSizeAs(fromFile);
        for (int i = 0; i < fromFile.size(); i++) {
            assertThat(fromStream.get(i).firstSlice()).isEqualTo(fromFile.get(i).firstSlice());
            assertThat(fromStream.get(i).data()).containsExactly(fromFile.get(i).data());
        }
    }

    @Test
    void aTruncatedStreamFailsWithTheReadersTypedErrorNamingIt() throws IOException {
        byte[] gz = Files.readAllBytes(writeCt(Affine.scaling(1, 1, 1)));
        InputStream cut = new ByteArrayInputStream(java.util.Arrays.copyOf(gz, gz.length / 2));
        assertThatThrownBy(() -> StreamingSlicer.readAndSlice(NiftiReader.defaults(), cut, "scans/x/image.nii.gz",
                PreprocessingSpec.defaults(), 4, b -> { }, v -> { }))
                .isInstanceOf(NiftiException.class).hasMessageContaining("scans/x/image.nii.gz");
    }

    @Test
    void aTruncatedFileFailsWithTheReadersTypedError() throws IOException {
        Path file = writeCt(Affine.scaling(1, 1, 1));
        Path cut = dir.resolve("cut.nii");
        byte[] raw = NiftiReaderBytes.inflate(file);
        Files.write(cut, java.util.Arrays.copyOf(raw, raw.length / 2));
        List<SliceBatch> got = new ArrayList<>();
        assertThatThrownBy(() -> StreamingSlicer.readAndSlice(NiftiReader.defaults(), cut,
                PreprocessingSpec.defaults(), 4, got::add))
                .isInstanceOf(NiftiException.class).hasMessageContaining("cut.nii").hasMessageContaining("truncated");
        // batches for the slices that did arrive may have been emitted; the caller discards them
        assertThat(got.size()).isLessThan(NZ / 4);
    }

    /** An MRI-like image (no air, no fat) is refused with a typed error before any batch reaches the sink. */
    @Test
    void anImageThatIsNotCtInHuIsRefusedBeforeTheFirstBatch() throws IOException {
        short[] values = new short[NX * NY * NZ];
        SplittableRandom rnd = new SplittableRandom(4);
        for (int p = 0; p < values.length; p++) {
            values[p] = (short) rnd.nextInt(0, 3000);
        }
        Path file = dir.resolve("t1.nii.gz");
        NiftiWriter.write(new Volume(NX, NY, NZ, Voxels.ofShorts(values), Affine.scaling(1, 1, 1)), file);
        List<SliceBatch> got = new ArrayList<>();
        assertThatThrownBy(() -> StreamingSlicer.readAndSlice(NiftiReader.defaults(), file, SPEC, 4, got::add))
                .isInstanceOf(NiftiException.class)
                .hasMessageContaining("t1.nii.gz: NIfTI field 'data': the intensities are not CT Hounsfield units");
        assertThat(got).isEmpty();
        List<Volume> started = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            assertThatThrownBy(() -> StreamingSlicer.readAndSlice(NiftiReader.defaults(), in, "scans/y/image.nii.gz",
                    SPEC, 4, got::add, started::add))
                    .isInstanceOf(NiftiException.class)
                    .hasMessageStartingWith("scans/y/image.nii.gz: NIfTI field 'data': ");
        }
        assertThat(got).isEmpty();
        // preprocess writes its batch plan in onStart: a refused image must not get one
        assertThat(started).isEmpty();
    }

    @Test
    void aFailingSinkStopsTheRead() throws IOException {
        Path file = writeCt(Affine.scaling(1, 1, 1));
        assertThatThrownBy(() -> StreamingSlicer.readAndSlice(NiftiReader.defaults(), file,
                PreprocessingSpec.defaults(), 4, b -> {
                    throw new IOException("sink full");
                })).hasMessage("sink full");
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("nifti-reader-ct"));
    }

    /** Test helper: the decompressed bytes of a .nii.gz. */
    static final class NiftiReaderBytes {
        static byte[] inflate(Path gz) throws IOException {
            try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(gz))) {
                return in.readAllBytes();
            }
        }
    }
}
