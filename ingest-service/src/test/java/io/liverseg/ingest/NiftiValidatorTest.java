package io.liverseg.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.nifti.NiftiWriter;
import io.liverseg.imaging.nifti.ReadLimits;
import io.liverseg.imaging.phantom.PhantomGenerator;
import io.liverseg.imaging.phantom.PhantomOptions;
import io.liverseg.imaging.phantom.StorageType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NiftiValidatorTest {
    @TempDir
    static Path dir;
    static Phantoms.Files2 gz;
    static Phantoms.Files2 plain;

    private final NiftiValidator validator = new NiftiValidator(ReadLimits.defaults());

    @BeforeAll
    static void phantoms() {
        gz = Phantoms.write(dir.resolve("gz"), 11, 32, 8, true);
        plain = Phantoms.write(dir.resolve("plain"), 11, 32, 8, false);
    }

    @Test
    void aGoodScanGivesItsGeometry() throws Exception {
        ScanGeometry g = validator.validate(gz.image(), "case.nii.gz");

        assertThat(g.dims()).containsExactly(32, 32, 8);
        assertThat(g.affine()).hasSize(16);
        assertThat(g.affine()[15]).isEqualTo(1.0);
        assertThat(g.orientation()).isIn("RAS", "LPS");
        assertThat(g.spacingMm()).hasSize(3);
        assertThat(Arrays.stream(g.spacingMm()).min().getAsDouble()).isPositive();
        assertThat(validator.validate(plain.image(), "case.nii").sameGrid(g, 0)).isTrue();
        assertThat(g.toProto().getDimsList()).containsExactly(32, 32, 8);
        assertThat(g.toProto().getAffineCount()).isEqualTo(16);
    }

    @Test
    void aTruncatedGzipIsRefusedNamingTheClientsFile() throws Exception {
        byte[] bytes = gz.imageBytes();
        Path cut = write("cut.bin", Arrays.copyOf(bytes, bytes.length / 2));

        InvalidScanException e = catchThrowableOfType(InvalidScanException.class,
                () -> validator.validate(cut, "case.nii.gz"));

        assertThat(e.file()).isEqualTo("case.nii.gz");
        assertThat(e.field()).isEqualTo("dim");
        assertThat(e.getMessage()).startsWith("case.nii.gz: NIfTI field 'dim'").contains("truncated")
                .doesNotContain(cut.toString());
    }

    @Test
    void aGzipMissingOnlyItsTrailerIsRefused() throws Exception {
        byte[] bytes = gz.imageBytes();
        Path cut = write("trailer.bin", Arrays.copyOf(bytes, bytes.length - 4));

        InvalidScanException e = catchThrowableOfType(InvalidScanException.class,
                () -> validator.validate(cut, "t.nii.gz"));

        assertThat(e.field()).isIn("gzip", "dim");
    }

    @Test
    void aTruncatedPlainFileIsRefused() throws Exception {
        byte[] bytes = plain.imageBytes();
        Path cut = write("cut.nii", Arrays.copyOf(bytes, bytes.length - 100));

        InvalidScanException e = catchThrowableOfType(InvalidScanException.class,
                () -> validator.validate(cut, "plain.nii"));

        assertThat(e.field()).isEqualTo("dim");
        assertThat(e.getMessage()).contains("truncated");
    }

    @Test
    void notNiftiAndTheBadCorpusAreRefusedWithTheirField() throws Exception {
        Path text = write("text.bin", "hello, this is not a scan at all".getBytes());
        assertThat(catchThrowableOfType(InvalidScanException.class, () -> validator.validate(text, "notes.txt"))
                .field()).isEqualTo("sizeof_hdr");
        assertThat(catchThrowableOfType(InvalidScanException.class,
                () -> validator.validate(resource("wrong-magic.nii"), "w.nii")).field()).isEqualTo("magic");
        assertThat(catchThrowableOfType(InvalidScanException.class,
                () -> validator.validate(resource("corrupt-gzip.nii.gz"), "c.nii.gz")).field()).isEqualTo("gzip");
        assertThat(catchThrowableOfType(InvalidScanException.class,
                () -> validator.validate(resource("truncated-data.nii.gz"), "t.nii.gz")).field()).isIn("dim", "gzip");
        assertThat(catchThrowableOfType(InvalidScanException.class,
                () -> validator.validate(write("empty.bin", new byte[0]), "e.nii")).field()).isEqualTo("sizeof_hdr");
    }

    @Test
    void aGzipBombIsStoppedAtTheInflationLimit() throws Exception {
        byte[] scan = plain.imageBytes();
        Path bomb = write("bomb.bin", gzipBomb());
        assertThat(validator.validate(bomb, "ok-with-default-limits.nii.gz").dims()).containsExactly(32, 32, 8);
        NiftiValidator tight = new NiftiValidator(new ReadLimits(1L << 30, scan.length + 100_000L));

        InvalidScanException e = catchThrowableOfType(InvalidScanException.class,
                () -> tight.validate(bomb, "bomb.nii.gz"));

        assertThat(e.field()).isEqualTo("dim");
        assertThat(e.getMessage()).contains("maxInflatedBytes");
    }

    @Test
    void aScanThatIsNotCtInHounsfieldUnitsIsRefusedButALabelIsNotCheckedForThem() throws Exception {
        InvalidScanException labelAsScan = catchThrowableOfType(InvalidScanException.class,
                () -> validator.validate(gz.label(), "label.nii.gz"));
        assertThat(labelAsScan.file()).isEqualTo("label.nii.gz");
        assertThat(labelAsScan.field()).isEqualTo("data");
        assertThat(labelAsScan.getMessage()).startsWith("label.nii.gz: NIfTI field 'data': the intensities are not CT"
                + " Hounsfield units").contains("(first 8 slices)").doesNotContain(gz.label().toString());

        Volume stored = new PhantomGenerator(PhantomOptions.defaults().withSize(32).withSlices(8, 8).withSeed(13)
                .withStorageTypes(StorageType.INT16_OFFSET)).generate(0).image();
        Path unscaled = dir.resolve("unscaled.nii.gz");
        NiftiWriter.write(stored.withVoxels(stored.voxels(), 1, 0), unscaled);
        InvalidScanException lost = catchThrowableOfType(InvalidScanException.class,
                () -> validator.validate(unscaled, "ct.nii.gz"));
        assertThat(lost.field()).isEqualTo("scl_inter");
        assertThat(lost.getMessage()).contains("RescaleIntercept");

        ScanGeometry image = validator.validate(gz.image(), "img.nii.gz");
        assertThat(validator.validateLabel(gz.label(), "lab.nii.gz", image).dims()).containsExactly(32, 32, 8);
    }

    /** A 0/255 mask (as some tools save a binary label) is refused naming the label and its values. */
    @Test
    void aLabelWithValuesOtherThanTheClassesIsRefused() throws Exception {
        ScanGeometry image = validator.validate(gz.image(), "img.nii.gz");
        Volume label = io.liverseg.imaging.nifti.NiftiReader.defaults().readScan(gz.label());
        byte[] mask = new byte[label.voxels().size()];
        long foreground = 0;
        for (int i = 0; i < mask.length; i++) {
            mask[i] = label.value(i) > 0 ? (byte) 255 : 0;
            foreground += mask[i] != 0 ? 1 : 0;
        }
        Path binary = dir.resolve("mask255.nii.gz");
        NiftiWriter.write(label.withVoxels(io.liverseg.imaging.Voxels.ofUnsignedBytes(mask), 1, 0), binary);

        InvalidScanException e = catchThrowableOfType(InvalidScanException.class,
                () -> validator.validateLabel(binary, "mask.nii.gz", image));

        assertThat(e.file()).isEqualTo("mask.nii.gz");
        assertThat(e.field()).isEqualTo("data");
        assertThat(e.getMessage()).startsWith("mask.nii.gz: NIfTI field 'data': a label's voxels must be 0")
                .contains(foreground + " of " + mask.length + " voxels hold other values, the first 255");
    }

    /** What the intensity check is given: a small scan whole within its bound, else exactly its first slices. */
    @Test
    void theIntensityCheckSeesTheFirstSlicesExactlyAsTheFileHoldsThem() throws Exception {
        // 32×32 int16 slices are 2 KiB: INTENSITY_SAMPLE_BYTES holds all 8
        Volume first = io.liverseg.imaging.nifti.NiftiReader.defaults().readFirstSlices(gz.image(),
                NiftiValidator.INTENSITY_SAMPLE_BYTES);
        Volume whole = io.liverseg.imaging.nifti.NiftiReader.defaults().readScan(gz.image());
        assertThat(first.nz()).isEqualTo(whole.nz());
        Volume two = io.liverseg.imaging.nifti.NiftiReader.defaults().readFirstSlices(gz.image(),
                2L * 32 * 32 * whole.voxels().type().bytes() + 5);
        assertThat(two.dims()).containsExactly(32, 32, 2);
        for (int i = 0; i < two.voxels().size(); i++) {
            assertThat(two.value(i)).isEqualTo(whole.value(i));
        }
        assertThat(two.affine()).isEqualTo(whole.affine());
    }

    @Test
    void aLabelMustBeOnTheImagesGrid() throws Exception {
        ScanGeometry image = validator.validate(gz.image(), "img.nii.gz");
        assertThat(validator.validateLabel(gz.label(), "lab.nii.gz", image).dims()).containsExactly(32, 32, 8);

        Phantoms.Files2 other = Phantoms.write(dir.resolve("other"), 12, 48, 8, true);
        InvalidScanException dims = catchThrowableOfType(InvalidScanException.class,
                () -> validator.validateLabel(other.label(), "lab.nii.gz", image));
        assertThat(dims.file()).isEqualTo("lab.nii.gz");
        assertThat(dims.field()).isEqualTo("dim");

        double[] shifted = image.affine().clone();
        shifted[3] += 1.0;
        ScanGeometry moved = new ScanGeometry(image.dims(), shifted, image.orientation(), image.spacingMm());
        InvalidScanException affine = catchThrowableOfType(InvalidScanException.class,
                () -> validator.validateLabel(gz.label(), "lab.nii.gz", moved));
        assertThat(affine.field()).isEqualTo("affine");
    }

    @Test
    void spoolingHashesDetectsGzipByMagicAndEnforcesTheLimit() throws Exception {
        byte[] bytes = gz.imageBytes();
        Spooled s = Spooled.spool(new ByteArrayInputStream(bytes), dir, "x.nii", bytes.length);
        assertThat(s.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        assertThat(s.size()).isEqualTo(bytes.length);
        assertThat(s.gzip()).as("gzip by magic, whatever the name").isTrue();
        assertThat(Files.readAllBytes(s.path())).isEqualTo(bytes);
        assertThat(Spooled.of(s.path())).isEqualTo(s);

        Spooled p = Spooled.of(plain.image());
        assertThat(p.gzip()).isFalse();

        long before = countTemp();
        InvalidScanException e = catchThrowableOfType(InvalidScanException.class,
                () -> Spooled.spool(new ByteArrayInputStream(bytes), dir, "big.nii.gz", bytes.length - 1));
        assertThat(e.tooLarge()).isTrue();
        assertThat(e.problem().status()).isEqualTo(413);
        assertThat(e.problem().file()).isEqualTo("big.nii.gz");
        assertThat(countTemp()).as("the partial temp file is gone").isEqualTo(before);
    }

    @Test
    void theDataPassMadeWhileSpoolingJudgesAsThePassOverTheFile() throws Exception {
        byte[] scan = plain.imageBytes();
        byte[] gzBytes = gz.imageBytes();
        byte[] corrupt = gzBytes.clone();
        for (int i = gzBytes.length / 2; i < gzBytes.length / 2 + 64; i++) {
            corrupt[i] ^= 0x5A;
        }
        java.util.Map<String, byte[]> inputs = new java.util.LinkedHashMap<>();
        inputs.put("good.nii.gz", gzBytes);
        inputs.put("good.nii", scan);
        inputs.put("half.nii.gz", Arrays.copyOf(gzBytes, gzBytes.length / 2));
        inputs.put("no-trailer.nii.gz", Arrays.copyOf(gzBytes, gzBytes.length - 4));
        inputs.put("corrupt.nii.gz", corrupt);
        inputs.put("short.nii", Arrays.copyOf(scan, scan.length - 100));
        inputs.put("bomb.nii.gz", gzipBomb());
        NiftiValidator tight = new NiftiValidator(new ReadLimits(1L << 30, scan.length + 100_000L));
        java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newCachedThreadPool();
        try {
            for (var input : inputs.entrySet()) {
                byte[] bytes = input.getValue();
                Spooled spooled = Spooled.spool(new ByteArrayInputStream(bytes), dir, input.getKey(), bytes.length,
                        new DataScanTap(tight, executor));
                Spooled again = Spooled.of(spooled.path(), new DataScanTap(tight, executor));
                try (InputStream in = Files.newInputStream(spooled.path())) {
                    NiftiValidator.DataScan overFile = tight.scanData(in);
                    assertThat(spooled.dataScan()).as(input.getKey()).isEqualTo(overFile);
                    assertThat(again.dataScan()).as(input.getKey()).isEqualTo(overFile);
                }
                assertThat(verdict(() -> tight.validate(spooled.path(), input.getKey(), spooled.dataScan())))
                        .as(input.getKey())
                        .isEqualTo(verdict(() -> tight.validate(spooled.path(), input.getKey())));
                spooled.delete();
            }
            assertThat(verdict(() -> tight.validate(write("g.bin", gzBytes), "good.nii.gz"))).startsWith("ok");
            assertThat(Spooled.spool(new ByteArrayInputStream(inputs.get("corrupt.nii.gz")), dir, "c", 1 << 30,
                    new DataScanTap(tight, executor)).dataScan().failure()).isEqualTo(NiftiValidator.Failure.CORRUPT);
            assertThat(Spooled.spool(new ByteArrayInputStream(inputs.get("bomb.nii.gz")), dir, "b", 1 << 30,
                    new DataScanTap(tight, executor)).dataScan().failure()).isEqualTo(NiftiValidator.Failure.OVER_LIMIT);
        } finally {
            executor.shutdown();
        }
        assertThat(executor.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aSpoolThatFailsStopsItsDataPass() throws Exception {
        byte[] bytes = gz.imageBytes();
        java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newSingleThreadExecutor();
        InvalidScanException e = catchThrowableOfType(InvalidScanException.class,
                () -> Spooled.spool(new ByteArrayInputStream(bytes), dir, "big.nii.gz", bytes.length - 1,
                        new DataScanTap(validator, executor)));
        assertThat(e.tooLarge()).isTrue();
        executor.shutdown();
        assertThat(executor.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS))
                .as("the data pass's thread ends once the spool has failed").isTrue();
    }

    /** A valid scan followed by 4 MiB of zeros: gzips to a few KiB more, inflates far past what dim describes. */
    private static byte[] gzipBomb() throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(out)) {
            z.write(plain.imageBytes());
            z.write(new byte[4 << 20]);
        }
        return out.toByteArray();
    }

    /** "ok dims" or "field: message" of a validation. */
    private static String verdict(java.util.concurrent.Callable<ScanGeometry> validation) throws Exception {
        try {
            return "ok " + Arrays.toString(validation.call().dims());
        } catch (InvalidScanException e) {
            return e.field() + ": " + e.getMessage();
        }
    }

    @Test
    void clientFileNamesAreReducedToTheirLastSegment() {
        assertThat(ScanResource.fileName("../../etc/case.nii.gz", null)).isEqualTo("case.nii.gz");
        assertThat(ScanResource.fileName(null, "attachment; filename=\"scan 1.nii\"")).isEqualTo("scan 1.nii");
        assertThat(ScanResource.fileName(null, "attachment; filename*=UTF-8''sc%C3%A4n.nii.gz"))
                .isEqualTo("scän.nii.gz");
        assertThat(ScanResource.fileName(null, null)).isNull();
    }

    private static long countTemp() throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("upload-")).count();
        }
    }

    private static Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static Path resource(String name) throws IOException {
        try (InputStream in = NiftiValidatorTest.class.getResourceAsStream("/nifti-bad/" + name)) {
            return write(name, in.readAllBytes());
        }
    }
}
