package io.liverseg.imaging.nifti;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.DataType;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad input ends in exactly one {@link NiftiException} naming the file and the field at fault,
 * never an OutOfMemoryError, NegativeArraySizeException, BufferUnderflowException or a hang: the committed
 * corpus in {@code nifti-bad/} (see {@link NiftiBadCorpus}), decompression bombs, readScan on 4D input.
 * The nifti-rs fuzz artifacts are covered in {@link NiftiConformanceTest}.
 */
class NiftiBadInputTest {
    @TempDir
    Path tmp;

    static Stream<NiftiBadCorpus.Entry> corpus() {
        return NiftiBadCorpus.entries().stream().filter(e -> e.name().equals(e.read()));
    }

    static Stream<NiftiBadCorpus.Entry> singleFileCorpus() {
        return corpus().filter(e -> !e.name().endsWith(".hdr"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void corpusFileFailsWithOneNiftiExceptionNamingFileAndField(NiftiBadCorpus.Entry e) throws Exception {
        Path p = corpusDir().resolve(e.read());
        NiftiException ex = catchThrowableOfType(NiftiException.class, () -> NiftiReader.defaults().read(p));
        assertOneException(ex, e.blamed(), e.field());
        assertThat(ex.file().getFileName().toString()).isEqualTo(e.blamed());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("singleFileCorpus")
    void corpusFileReadFromAStreamFailsTheSameWay(NiftiBadCorpus.Entry e) throws Exception {
        byte[] bytes = Files.readAllBytes(corpusDir().resolve(e.read()));
        NiftiException ex = catchThrowableOfType(NiftiException.class,
                () -> NiftiReader.defaults().read(new ByteArrayInputStream(bytes), "https://example.org/" + e.name()));
        assertOneException(ex, e.name(), e.field());
        assertThat(ex.getMessage()).contains("https:/example.org/" + e.name());
    }

    @Test
    void committedCorpusIsExactlyWhatTheGeneratorMakes() throws Exception {
        Map<String, byte[]> generated = NiftiBadCorpus.entries().stream()
                .collect(Collectors.toMap(NiftiBadCorpus.Entry::name, NiftiBadCorpus.Entry::bytes));
        Set<String> committed;
        try (Stream<Path> files = Files.list(corpusDir())) {
            committed = files.map(f -> f.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
        assertThat(committed).containsExactlyInAnyOrderElementsOf(generated.keySet());
        for (Map.Entry<String, byte[]> g : generated.entrySet()) {
            byte[] onDisk = Files.readAllBytes(corpusDir().resolve(g.getKey()));
            if (g.getKey().endsWith(".gz") && !g.getKey().startsWith("corrupt")) {
                // deflate output may differ between zlib builds: compare what the files inflate to
                assertThat(gunzip(onDisk)).as(g.getKey()).isEqualTo(gunzip(g.getValue()));
            } else if (!g.getKey().startsWith("corrupt")) {
                assertThat(onDisk).as(g.getKey()).isEqualTo(g.getValue());
            }
        }
    }

    @Test
    void corpusBaseImageIsValidSoEachFileHasOnlyItsOneDefect() throws IOException {
        for (byte[] valid : List.of(NiftiBadCorpus.valid1(ByteOrder.LITTLE_ENDIAN),
                NiftiBadCorpus.valid1(ByteOrder.BIG_ENDIAN), NiftiBadCorpus.valid2())) {
            NiftiImage img = NiftiReader.defaults().read(new ByteArrayInputStream(valid), "valid.nii");
            assertThat(img.volume().dims()).containsExactly(4, 4, 4);
            assertThat(img.volume().value(3, 2, 1)).isEqualTo(3 + 4 * (2 + 4 * 1));
        }
    }

    @Test
    void gzipBombWhoseDimsNeedMoreThanMaxInflatedBytesFailsBeforeInflatingOrAllocating() throws IOException {
        // a valid header for 512 × 512 × 64 uint8 (16 MiB) followed by 16 MiB of zeros: ~16 KiB gzipped
        Path bomb = tmp.resolve("bomb.nii.gz");
        writeGzip(bomb, header(512, 512, 64), 16L << 20);
        assertThat(Files.size(bomb)).isLessThan(100_000);
        NiftiReader reader = new NiftiReader(new ReadLimits(1L << 30, 1L << 20));
        long before = allocatedBytes();
        NiftiException ex = catchThrowableOfType(NiftiException.class, () -> reader.read(bomb));
        long allocated = allocatedBytes() - before;
        assertOneException(ex, "bomb.nii.gz", "dim");
        assertThat(ex.getMessage()).contains("maxInflatedBytes");
        assertThat(allocated).as("bytes allocated while rejecting the bomb").isLessThan(4L << 20);
    }

    @Test
    void gzipBombHidingZerosAfterASmallImageStopsAtMaxInflatedBytes() throws IOException {
        // header and data of a 4×4×4 image, then 64 MiB of zeros the header does not describe
        Path bomb = tmp.resolve("trailing-bomb.nii.gz");
        writeGzip(bomb, header(4, 4, 4), 64 + (64L << 20));
        NiftiReader reader = new NiftiReader(new ReadLimits(1L << 30, 1L << 20));
        NiftiException ex = catchThrowableOfType(NiftiException.class, () -> reader.read(bomb));
        assertOneException(ex, "trailing-bomb.nii.gz", "dim");
        assertThat(ex.getMessage()).contains("maxInflatedBytes");
        // the same file is fine under a budget that covers it: trailing bytes are tolerated, not a bomb
        assertThat(new NiftiReader(new ReadLimits(1L << 30, 128L << 20)).readVolume(bomb).dims()).containsExactly(4, 4, 4);
    }

    @Test
    void gzipBombInAPairHeaderExtensionStopsAtMaxInflatedBytes() throws IOException {
        // a .hdr.gz whose extension claims 1 GiB and delivers zeros
        ByteBuffer head = ByteBuffer.wrap(header(4, 4, 4)).order(ByteOrder.LITTLE_ENDIAN);
        head.put(344, (byte) 'n').put(345, (byte) 'i').put(348, (byte) 1);
        ByteBuffer ext = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(1 << 30).putInt(6);
        Path hdr = tmp.resolve("ext-bomb.hdr.gz");
        try (GZIPOutputStream gz = new GZIPOutputStream(Files.newOutputStream(hdr))) {
            gz.write(head.array(), 0, 352);
            gz.write(ext.array());
            gz.write(new byte[8 << 20]);
        }
        Files.write(tmp.resolve("ext-bomb.img.gz"), NiftiBadCorpus.gzip(new byte[64]));
        NiftiReader reader = new NiftiReader(new ReadLimits(1L << 30, 1L << 20));
        NiftiException ex = catchThrowableOfType(NiftiException.class, () -> reader.read(hdr));
        assertOneException(ex, "ext-bomb.hdr.gz", "esize");
    }

    @Test
    void hugeVoxOffsetInAGzipStreamFailsBeforeSkippingToIt() throws IOException {
        ByteBuffer head = ByteBuffer.wrap(header(4, 4, 4)).order(ByteOrder.LITTLE_ENDIAN);
        head.putFloat(108, 1L << 32);
        Path p = tmp.resolve("far.nii.gz");
        writeGzip(p, head.array(), 1 << 20);
        NiftiReader reader = new NiftiReader(new ReadLimits(1L << 30, 1L << 20));
        NiftiException ex = catchThrowableOfType(NiftiException.class, () -> reader.read(p));
        assertOneException(ex, "far.nii.gz", "vox_offset");
    }

    @Test
    void voxelBudgetOfReadLimitsIsEnforcedBeforeAllocation() throws IOException {
        Path p = tmp.resolve("ok.nii");
        NiftiWriter.write(new Volume(new int[] {10, 10, 10}, Voxels.allocate(DataType.FLOAT32, 1000),
                Affine.scaling(1, 1, 1), 1, 0), p);
        NiftiException ex = catchThrowableOfType(NiftiException.class,
                () -> new NiftiReader(new ReadLimits(999, 1L << 30)).read(p));
        assertOneException(ex, "ok.nii", "dim");
        assertThat(ex.getMessage()).contains("maxVoxels = 999");
        assertThat(new NiftiReader(new ReadLimits(1000, 1L << 30)).read(p).volume().voxels().size()).isEqualTo(1000);
    }

    @Test
    void readLimitsNeverExceedAJavaArray() {
        assertThat(new ReadLimits(Long.MAX_VALUE, Long.MAX_VALUE).maxVoxels()).isEqualTo(ReadLimits.MAX_ARRAY_LENGTH);
        assertThat(ReadLimits.defaults()).isEqualTo(new ReadLimits(1L << 30, 4L << 30));
    }

    @Test
    void readScanRejects4dInputOnDimBeforeReadingVoxels() throws IOException {
        Path p = tmp.resolve("four-d.nii.gz");
        NiftiWriter.write(new Volume(new int[] {3, 3, 3, 2}, Voxels.allocate(DataType.INT16, 54),
                Affine.scaling(1, 1, 1), 1, 0), p);
        assertThat(NiftiReader.defaults().readVolume(p).dims()).containsExactly(3, 3, 3, 2);
        NiftiException ex = catchThrowableOfType(NiftiException.class, () -> NiftiReader.defaults().readScan(p));
        assertOneException(ex, "four-d.nii.gz", "dim");
        assertThat(ex.getMessage()).contains("3D");
    }

    @Test
    void readScanRejects4dSharedExampleToo() throws IOException {
        Path p = SharedNiftiData.file("nibabel/example4d.nii.gz");
        NiftiException ex = catchThrowableOfType(NiftiException.class, () -> NiftiReader.defaults().readScan(p));
        assertOneException(ex, "example4d.nii.gz", "dim");
    }

    @Test
    void readHeaderRejectsBadHeadersToo() throws Exception {
        for (String name : List.of("wrong-magic.nii", "dim-negative.nii", "datatype-rgb24.nii", "esize-zero.nii")) {
            NiftiBadCorpus.Entry e = NiftiBadCorpus.entries().stream().filter(x -> x.name().equals(name)).findFirst()
                    .orElseThrow();
            NiftiException ex = catchThrowableOfType(NiftiException.class,
                    () -> NiftiReader.defaults().readHeader(corpusDir().resolve(name)));
            assertOneException(ex, name, e.field());
        }
    }

    @Test
    void unsupportedDatatypeMessageSaysUnsupportedDatatypeN() throws Exception {
        NiftiException ex = catchThrowableOfType(NiftiException.class,
                () -> NiftiReader.defaults().read(corpusDir().resolve("datatype-rgb24.nii")));
        assertThat(ex.getMessage()).contains("unsupported datatype 128");
    }

    @Test
    void pairHeaderWithoutItsImageIsAMissingFileNotAFormatError() throws Exception {
        Path hdr = tmp.resolve("lonely.hdr");
        Files.write(hdr, Files.readAllBytes(corpusDir().resolve("truncated-data-pair.hdr")));
        assertThatThrownBy(() -> NiftiReader.defaults().read(hdr)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("lonely.img");
        assertThat(NiftiReader.defaults().readHeader(hdr).magic()).isEqualTo("ni1");
    }

    @Test
    void pairHeaderThroughAStreamIsRejectedOnMagic() throws Exception {
        byte[] bytes = Files.readAllBytes(corpusDir().resolve("truncated-data-pair.hdr"));
        NiftiException ex = catchThrowableOfType(NiftiException.class,
                () -> NiftiReader.defaults().read(new ByteArrayInputStream(bytes), "x.hdr"));
        assertOneException(ex, "x.hdr", "magic");
    }

    @Test
    void everyTruncationOfAValidGzipFileFailsCleanly() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Volume v = new Volume(new int[] {8, 8, 8}, Voxels.allocate(DataType.INT16, 512), Affine.scaling(1, 1, 1), 1, 0);
        for (int i = 0; i < 512; i++) {
            v.voxels().set(i, i * 13 % 1000);
        }
        NiftiWriter.write(new NiftiImage(NiftiHeader.forVolume(v).toBuilder()
                .extensions(List.of(NiftiExtension.ofText(6, "x".repeat(100)))).build(), v, 0), out, true);
        byte[] full = out.toByteArray();
        Function<Integer, Throwable> readCut = n -> {
            try {
                NiftiReader.defaults().read(new ByteArrayInputStream(full, 0, n), "cut.nii.gz");
                return null;
            } catch (Throwable t) {
                return t;
            }
        };
        for (int n = 0; n < full.length; n++) {
            Throwable t = readCut.apply(n);
            assertThat(t).as("cut at %d of %d", n, full.length).isExactlyInstanceOf(NiftiException.class);
            assertThat(t.getMessage()).contains("cut.nii.gz");
        }
        assertThat(readCut.apply(full.length)).isNull();
    }

    @Test
    void randomlyCorruptedHeadersOnlyEverFailWithNiftiException() throws IOException {
        ByteArrayOutputStream withExt = new ByteArrayOutputStream();
        Volume v = new Volume(new int[] {4, 3, 2}, Voxels.allocate(DataType.FLOAT32, 24), Affine.scaling(1, 2, 3), 1, 0);
        NiftiWriter.write(new NiftiImage(NiftiHeader.forVolume(v).toBuilder()
                .extensions(List.of(NiftiExtension.ofText(6, "fuzz"))).build(), v, 0), withExt, false);
        List<byte[]> seeds = List.of(NiftiBadCorpus.valid1(ByteOrder.LITTLE_ENDIAN),
                NiftiBadCorpus.valid1(ByteOrder.BIG_ENDIAN), NiftiBadCorpus.valid2(), withExt.toByteArray());
        NiftiReader reader = new NiftiReader(new ReadLimits(1 << 20, 16L << 20));
        java.util.Random random = new java.util.Random(20240611);
        int failures = 0;
        for (int iter = 0; iter < 4000; iter++) {
            byte[] bytes = seeds.get(iter % seeds.size()).clone();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                int at = random.nextInt(Math.min(bytes.length, 600));
                bytes[at] = random.nextInt(3) == 0 ? (byte) 0xff : (byte) random.nextInt(256);
            }
            boolean gzip = iter % 3 == 0;
            byte[] input = gzip ? NiftiBadCorpus.gzip(bytes) : bytes;
            try {
                NiftiImage img = reader.read(new ByteArrayInputStream(input), "fuzz.nii");
                assertThat(img.volume().voxels().size()).isPositive();
            } catch (NiftiException e) {
                failures++;
                assertThat(e.getMessage()).contains("fuzz.nii").contains("'" + e.field() + "'");
            } catch (Throwable t) {
                throw new AssertionError("iteration " + iter + ": " + t, t);
            }
        }
        // many flips land in free text or unused fields and rightly still read; the rest must be caught
        assertThat(failures).as("corruptions detected").isGreaterThan(400);
    }

    // ---------------------------------------------------------------- helpers

    static void assertOneException(NiftiException ex, String fileName, String field) {
        assertThat(ex).as("a NiftiException for " + fileName).isNotNull();
        assertThat(ex.getClass()).isEqualTo(NiftiException.class);
        assertThat(ex.field()).as(ex.getMessage()).isEqualTo(field);
        assertThat(ex.getMessage()).contains(fileName).contains("'" + field + "'");
        assertThat(ex.getSuppressed()).isEmpty();
    }

    static Path corpusDir() throws URISyntaxException {
        URL url = NiftiBadInputTest.class.getResource("/nifti-bad/empty.nii");
        assertThat(url).as("nifti-bad corpus on the test classpath").isNotNull();
        return Path.of(url.toURI()).getParent();
    }

    /** A valid little-endian NIfTI-1 uint8 header (352 bytes with the extender). */
    static byte[] header(int nx, int ny, int nz) {
        NiftiHeader h = NiftiHeader.builder().dims(nx, ny, nz).datatype(2).bitpix(8).sformCode(2).build();
        return HeaderCodec.encode(h, true, 352);
    }

    static void writeGzip(Path p, byte[] head, long zeros) throws IOException {
        try (GZIPOutputStream gz = new GZIPOutputStream(Files.newOutputStream(p), 1 << 16)) {
            gz.write(head);
            byte[] block = new byte[1 << 16];
            for (long left = zeros; left > 0; left -= block.length) {
                gz.write(block, 0, (int) Math.min(block.length, left));
            }
        }
    }

    static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    private static byte[] gunzip(byte[] gz) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }
}
