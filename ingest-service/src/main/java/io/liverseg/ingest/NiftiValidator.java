package io.liverseg.ingest;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.nifti.NiftiException;
import io.liverseg.imaging.nifti.NiftiHeader;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.nifti.ReadLimits;
import io.liverseg.imaging.preprocess.CtIntensityCheck;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Decides whether a file is a scan the pipeline can take, before anything is stored: the header is parsed and
 * validated by imaging's {@link NiftiReader#readHeader}, then the file is streamed once (bounded memory, no voxel
 * array) to check that the voxel data is all there and that a gzip stream is complete (end marker and CRC-32)
 * and inflates to no more than {@link ReadLimits#maxInflatedBytes()}. A volume must be 3D (dims past the third
 * are 1) and a single file ({@code n+1}/{@code n+2}; a .hdr/.img pair cannot come as one upload). A scan (not a
 * label) must also be CT in Hounsfield units, judged on its first slices ({@link CtIntensityCheck}); a label's
 * voxels must all be 0, 1 or 2. Thread-safe.
 */
public final class NiftiValidator {
    /** Largest difference of one affine entry, mm, for a label to be on its image's grid (float32 headers). */
    public static final double AFFINE_TOLERANCE_MM = 1e-4;
    /** The largest label value: 0 background, 1 liver (Task03) or vessel (Task08), 2 tumour. */
    static final int MAX_LABEL = 2;
    /** Voxel bytes read at a time (at least one slice): a scan's first slices to check for HU, a label's slabs. */
    static final long INTENSITY_SAMPLE_BYTES = 4L << 20;

    private static final int BUFFER = 1 << 16;

    private final NiftiReader reader;

    public NiftiValidator(ReadLimits limits) {
        this.reader = new NiftiReader(limits);
    }

    /**
     * Validates {@code file}; {@code name} is how the client calls it (used in messages instead of the temp path).
     *
     * @return the geometry from the header
     */
    public ScanGeometry validate(Path file, String name) throws InvalidScanException, IOException {
        return validate(file, name, null);
    }

    /**
     * As {@link #validate(Path, String)}, with the voxel-data pass already made over the same bytes (by a
     * {@link DataScanTap} while they were spooled); null makes it here, over the file.
     */
    public ScanGeometry validate(Path file, String name, DataScan scan) throws InvalidScanException, IOException {
        ScanGeometry geometry = validateFile(file, name, scan);
        requireHounsfieldUnits(file, name);
        return geometry;
    }

    /**
     * The first slices (up to {@value #INTENSITY_SAMPLE_BYTES} bytes of voxels) must look like CT in HU
     * ({@link CtIntensityCheck}): an MRI or a CT that lost its rescale intercept is refused here, before it is
     * stored, rather than by preprocessing after it was accepted.
     */
    private void requireHounsfieldUnits(Path file, String name) throws InvalidScanException, IOException {
        Volume first;
        try {
            first = reader.readFirstSlices(file, INTENSITY_SAMPLE_BYTES);
        } catch (NiftiException e) {
            throw rename(e, file, name);
        }
        Optional<CtIntensityCheck.Problem> problem = CtIntensityCheck.check(first, Long.MAX_VALUE);
        if (problem.isPresent()) {
            throw invalid(name, problem.get().field(), problem.get().message() + " (first " + first.nz()
                    + " slices)");
        }
    }

    private ScanGeometry validateFile(Path file, String name, DataScan scan) throws InvalidScanException,
            IOException {
        if (Files.size(file) == 0) {
            throw new InvalidScanException(name, "sizeof_hdr", name + ": NIfTI field 'sizeof_hdr': the file is empty");
        }
        NiftiHeader h;
        try {
            h = reader.readHeader(file);
        } catch (NiftiException e) {
            throw rename(e, file, name);
        }
        if (!h.isSingleFile()) {
            throw invalid(name, "magic", "magic '" + h.magic() + "' is a .hdr/.img pair header; upload a single-file"
                    + " .nii or .nii.gz");
        }
        long[] dim = h.dim();
        int n = (int) dim[0];
        for (int i = 4; i <= n; i++) {
            if (dim[i] != 1) {
                throw invalid(name, "dim", "a 3D scan is needed but dim " + Arrays.toString(dim) + " has dim[" + i
                        + "] = " + dim[i]);
            }
        }
        long count = 1;
        for (int i = 1; i <= n; i++) {
            count = Math.multiplyExact(count, dim[i]);
        }
        ReadLimits limits = reader.limits();
        if (count > limits.maxVoxels()) {
            throw invalid(name, "dim", "dim " + Arrays.toString(dim) + " has " + count
                    + " voxels, beyond the limit maxVoxels = " + limits.maxVoxels());
        }
        long dataBytes = count * (h.bitpix() / 8);
        long end = h.voxOffset() + dataBytes;
        if (end > limits.maxInflatedBytes()) {
            throw invalid(name, "dim", "dim " + Arrays.toString(dim) + " at " + h.bitpix() + " bits needs " + end
                    + " bytes, beyond the limit maxInflatedBytes = " + limits.maxInflatedBytes());
        }
        if (scan == null) {
            try (InputStream in = Files.newInputStream(file)) {
                scan = scanData(in);
            }
        }
        checkData(scan, name, h, dataBytes, end, limits.maxInflatedBytes());
        int[] dims = {(int) dim[1], n >= 2 ? (int) dim[2] : 1, n >= 3 ? (int) dim[3] : 1};
        return ScanGeometry.of(dims, affineOf(h));
    }

    /**
     * Validates a label and checks it lies on the image's grid: same dims, same affine within
     * {@link #AFFINE_TOLERANCE_MM}.
     */
    public ScanGeometry validateLabel(Path file, String name, ScanGeometry image) throws InvalidScanException,
            IOException {
        return validateLabel(file, name, image, null);
    }

    /** As {@link #validateLabel(Path, String, ScanGeometry)} with the voxel-data pass already made (or null). */
    public ScanGeometry validateLabel(Path file, String name, ScanGeometry image, DataScan scan)
            throws InvalidScanException, IOException {
        ScanGeometry label = validateFile(file, name, scan);
        if (!Arrays.equals(label.dims(), image.dims())) {
            throw invalid(name, "dim", "the label's dims " + Arrays.toString(label.dims())
                    + " differ from the image's " + Arrays.toString(image.dims()) + "; a label must be on its image's grid");
        }
        if (!label.sameGrid(image, AFFINE_TOLERANCE_MM)) {
            throw invalid(name, "affine", "the label's affine " + Arrays.toString(label.affine())
                    + " differs from the image's " + Arrays.toString(image.affine())
                    + "; a label must be on its image's grid (sform/qform)");
        }
        requireLabelValues(file, name);
        return label;
    }

    /**
     * Every voxel of a label must be a class of the tasks' conventions (0 background, 1 liver or vessel, 2 tumour):
     * a 0/255 mask or a probability map would otherwise score as Dice 0 or train on classes that do not exist.
     * Read slab by slab ({@value #INTENSITY_SAMPLE_BYTES} bytes at a time), so memory stays bounded.
     */
    private void requireLabelValues(Path file, String name) throws InvalidScanException, IOException {
        long[] bad = {0};
        long[] total = {0};
        double[] example = {0};
        try {
            reader.forEachSlab(file, INTENSITY_SAMPLE_BYTES, (slab, firstSlice) -> {
                for (int i = 0, n = slab.voxels().size(); i < n; i++) {
                    double v = slab.value(i);
                    if (!(v == 0 || v == 1 || v == MAX_LABEL) && bad[0]++ == 0) {
                        example[0] = v;
                    }
                }
                total[0] += slab.voxels().size();
                return true;
            });
        } catch (NiftiException e) {
            throw rename(e, file, name);
        }
        if (bad[0] > 0) {
            double v = example[0];
            throw invalid(name, "data", "a label's voxels must be 0 (background), 1 (liver, or vessel for the vessels"
                    + " task) or " + MAX_LABEL + " (tumour), the Medical Segmentation Decathlon's Task03/Task08"
                    + " convention; " + bad[0] + " of " + total[0] + " voxels hold other values, the first "
                    + (v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v)));
        }
    }

    private static Affine affineOf(NiftiHeader h) {
        return h.affine();
    }

    /**
     * What one pass over a file's bytes found: whether it is gzip, how many bytes it holds (inflated, for gzip),
     * and the first problem, if any. The header is not needed for it, so it can run while the bytes still arrive.
     *
     * @param gzip     the bytes start with the gzip magic
     * @param inflated bytes read (after inflation) before the end or the problem
     * @param failure  what stopped the pass early, or {@link Failure#NONE}
     * @param detail   the decoder's message for {@link Failure#CORRUPT}, else null
     */
    public record DataScan(boolean gzip, long inflated, Failure failure, String detail) {
    }

    /** Why a data pass ended before the end of a complete file. */
    public enum Failure {
        /** Read to the end; for gzip, the end marker and the CRC-32/length trailer were found and match. */
        NONE,
        /** More than {@link ReadLimits#maxInflatedBytes()} bytes; the pass stopped there. */
        OVER_LIMIT,
        /** The gzip stream ends before its end marker or trailer. */
        TRUNCATED,
        /** The gzip stream is not valid deflate data or its trailer does not match. */
        CORRUPT
    }

    /**
     * Reads {@code raw} to its end (or to the first problem) in bounded memory: gzip detected by its magic bytes,
     * inflated bytes counted up to this validator's {@link ReadLimits#maxInflatedBytes()}.
     */
    public DataScan scanData(InputStream raw) throws IOException {
        long maxInflated = reader.limits().maxInflatedBytes();
        BufferedInputStream in = new BufferedInputStream(raw, BUFFER);
        in.mark(2);
        boolean gzip = Spooled.isGzipMagic(in.read(), in.read());
        in.reset();
        long position = 0;
        byte[] buf = new byte[BUFFER];
        try (InputStream data = gzip ? new GZIPInputStream(in, BUFFER) : in) {
            int got;
            while ((got = data.read(buf)) >= 0) {
                position += got;
                if (position > maxInflated) {
                    return new DataScan(gzip, position, Failure.OVER_LIMIT, null);
                }
            }
        } catch (EOFException e) {
            return new DataScan(gzip, position, Failure.TRUNCATED, null);
        } catch (ZipException e) {
            return new DataScan(gzip, position, Failure.CORRUPT, e.getMessage());
        }
        return new DataScan(gzip, position, Failure.NONE, null);
    }

    /** Enough voxel bytes, a complete gzip stream, no more than the inflation limit — from one data pass. */
    private static void checkData(DataScan scan, String name, NiftiHeader h, long dataBytes, long end,
                                  long maxInflated) throws InvalidScanException {
        switch (scan.failure()) {
            case OVER_LIMIT -> throw invalid(name, "dim", "the " + (scan.gzip() ? "gzip stream inflates" : "file runs")
                    + " past the limit maxInflatedBytes = " + maxInflated + ", far more data than dim "
                    + Arrays.toString(h.dim()) + " describes");
            case TRUNCATED -> {
                if (scan.inflated() < end) {
                    throw truncated(name, h, dataBytes, scan.inflated());
                }
                throw invalid(name, "gzip", "the gzip stream is truncated after the voxel data (end marker or"
                        + " CRC-32/length trailer missing)");
            }
            case CORRUPT -> throw invalid(name, "gzip", "corrupt gzip stream after " + scan.inflated()
                    + " decoded bytes: " + scan.detail());
            case NONE -> {
                if (scan.inflated() < end) {
                    throw truncated(name, h, dataBytes, scan.inflated());
                }
            }
            default -> throw new IllegalStateException("unknown failure " + scan.failure());
        }
    }

    private static InvalidScanException truncated(String name, NiftiHeader h, long needed, long position) {
        return invalid(name, "dim", "voxel data truncated: dim " + Arrays.toString(h.dim()) + " at " + h.bitpix()
                + " bits needs " + needed + " bytes after vox_offset " + h.voxOffset() + ", only "
                + Math.max(0, position - h.voxOffset()) + " present");
    }

    private static InvalidScanException invalid(String name, String field, String message) {
        return new InvalidScanException(name, field, name + ": NIfTI field '" + field + "': " + message);
    }

    /** The reader names our temp file; clients know the file by their own name. */
    private static InvalidScanException rename(NiftiException e, Path file, String name) {
        String message = e.getMessage();
        String prefix = String.valueOf(e.file());
        if (message != null && message.startsWith(prefix)) {
            message = name + message.substring(prefix.length());
        } else if (message != null) {
            message = message.replace(file.toString(), name);
        }
        return new InvalidScanException(name, e.field() == null ? "file" : e.field(), message);
    }
}
