package io.liverseg.imaging.nifti;

import io.liverseg.imaging.DataType;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Reads NIfTI-1 and NIfTI-2 images: {@code .nii}, {@code .nii.gz} and {@code .hdr}/{@code .img} pairs
 * (either part gzipped), in either byte order. Gzip is recognised by its magic bytes, so a misnamed file
 * still reads. The whole header is validated, and the voxel count and decoded size are checked against
 * {@link ReadLimits}, before voxel memory is allocated; voxels are then inflated in 64 KiB chunks straight
 * into the typed {@link Voxels} array, so a read peaks at about the decoded voxel bytes. Every kind of bad
 * input ends in one {@link NiftiException} naming the file and the header field at fault. Thread-safe.
 */
public final class NiftiReader {
    /** Budget for all extensions of one header, so a header full of tiny extensions cannot exhaust the heap. */
    static final long MAX_EXTENSION_BYTES = 256L << 20;
    /** Bookkeeping charged per extension on top of its size when checking {@link #MAX_EXTENSION_BYTES}. */
    private static final int EXTENSION_OVERHEAD = 64;

    private final ReadLimits limits;

    public NiftiReader(ReadLimits limits) {
        this.limits = limits;
    }

    /** A reader with {@link ReadLimits#defaults()}. */
    public static NiftiReader defaults() {
        return new NiftiReader(ReadLimits.defaults());
    }

    public ReadLimits limits() {
        return limits;
    }

    /** The header and its extensions, validated, without reading voxels. */
    public NiftiHeader readHeader(Path p) throws IOException {
        try (NiftiSource s = NiftiSource.open(headerPath(p))) {
            return readHeader(s);
        }
    }

    /** Header, voxels and the CRC-32 of the stored voxel bytes; {@code p} may name a .nii, .hdr or .img. */
    public NiftiImage read(Path p) throws IOException {
        return read(p, false);
    }

    /** The image as a {@link Volume}: 3 or 4 dims, voxels in the file's datatype, affine and scaling. */
    public Volume readVolume(Path p) throws IOException {
        return read(p, false).volume();
    }

    /**
     * As {@link #readVolume} for a 3D scan: a {@link NiftiException} on field {@code dim} (before any voxel
     * is read) unless every dim past the third is 1; the volume returned always has 3 dims.
     */
    public Volume readScan(Path p) throws IOException {
        return read(p, true).volume();
    }

    /**
     * As {@link #readScan(Path)}, telling {@code listener} when the voxel buffer exists and after each chunk
     * of voxels, so a consumer on another thread can work on finished slices during the read.
     */
    public Volume readScan(Path p, VoxelListener listener) throws IOException {
        return read(p, true, listener).volume();
    }

    /** Receives the slabs of {@link #forEachSlab}; returns false to stop reading. */
    @FunctionalInterface
    public interface SlabConsumer {
        boolean accept(Volume slab, int firstSlice) throws IOException;
    }

    /**
     * Reads a single-file 3D scan slab by slab, in bounded memory: each slab is as many whole slices (along the
     * third axis, in file order) as fit in {@code maxBytes} of voxel data, at least one, handed over as a volume
     * whose third dim is its slice count (datatype, affine and scaling are the file's; the slab is not kept). For a
     * look at a scan's values — whether they are HU, whether a label holds only its classes — without holding the
     * whole file. Errors as {@link #readScan(Path)}'s, except that a gzip trailer after the voxels is not checked.
     */
    public void forEachSlab(Path p, long maxBytes, SlabConsumer consumer) throws IOException {
        try (NiftiSource s = NiftiSource.open(p)) {
            NiftiHeader h = readHeader(s);
            if (!h.isSingleFile()) {
                throw new NiftiException(p, "magic", "magic '" + h.magic() + "' is a .hdr/.img pair header; a"
                        + " single-file image (n+1 or n+2) is needed");
            }
            long count = checkBeforeData(h, true, p);
            DataType type = DataType.fromNiftiCode(h.datatype()).orElseThrow();
            int[] dims = Arrays.copyOf(NiftiHeader.volumeDimsOrNull(h.dim()), 3);
            long sliceVoxels = count / dims[2];
            int slabSlices = (int) Math.max(1, Math.min(dims[2], maxBytes / (sliceVoxels * type.bytes())));
            byte[] chunk = new byte[NiftiSource.BUFFER];
            skipToVoxels(s, h, chunk);
            ByteBuffer buf = ByteBuffer.wrap(chunk);
            int perChunk = chunk.length / type.bytes();
            for (int first = 0; first < dims[2]; first += slabSlices) {
                int slices = Math.min(slabSlices, dims[2] - first);
                int n = (int) (sliceVoxels * slices);
                Voxels voxels = Voxels.allocate(type, n);
                for (int done = 0; done < n; ) {
                    int k = Math.min(perChunk, n - done);
                    int got = s.read(chunk, 0, k * type.bytes());
                    if (got < k * type.bytes()) {
                        throw truncated(p, h, count * type.bytes(),
                                (first * sliceVoxels + done) * type.bytes() + got);
                    }
                    buf.clear().limit(got);
                    voxels.readFrom(buf, h.byteOrder(), done, k);
                    done += k;
                }
                Volume slab = new Volume(new int[] {dims[0], dims[1], slices}, voxels, h.affine(), h.sclSlope(),
                        h.sclInter());
                if (!consumer.accept(slab, first)) {
                    return;
                }
            }
        }
    }

    /**
     * The first slab of {@link #forEachSlab}: the first whole slices of a single-file 3D scan, as many as fit in
     * {@code maxBytes} of voxel data, at least one; inflates and holds only that much.
     */
    public Volume readFirstSlices(Path p, long maxBytes) throws IOException {
        Volume[] first = {null};
        forEachSlab(p, maxBytes, (slab, firstSlice) -> {
            first[0] = slab;
            return false;
        });
        return first[0];
    }

    /**
     * Reads a single-file image (.nii or .nii.gz, gzip detected by its magic bytes) from a stream, which is
     * left open. {@code name} stands for the file in messages.
     */
    public NiftiImage read(InputStream in, String name) throws IOException {
        return read(in, name, false, null);
    }

    /**
     * As {@link #readScan(Path, VoxelListener)} for a single-file image (.nii or .nii.gz) read from a stream,
     * which is left open; {@code name} stands for the file in messages. A consumer can slice while the bytes
     * still arrive, e.g. from S3.
     */
    public Volume readScan(InputStream in, String name, VoxelListener listener) throws IOException {
        return read(in, name, true, listener).volume();
    }

    private NiftiImage read(InputStream in, String name, boolean scan, VoxelListener listener) throws IOException {
        Path file = nameAsPath(name);
        try (NiftiSource s = NiftiSource.of(in, file)) {
            NiftiHeader h = readHeader(s);
            if (!h.isSingleFile()) {
                throw new NiftiException(file, "magic", "magic '" + h.magic()
                        + "' is a .hdr/.img pair header; a stream must hold a single-file image (n+1 or n+2)");
            }
            return readData(h, scan, s, listener);
        }
    }

    private NiftiImage read(Path p, boolean scan) throws IOException {
        return read(p, scan, null);
    }

    private NiftiImage read(Path p, boolean scan, VoxelListener listener) throws IOException {
        Path hdrPath = headerPath(p);
        try (NiftiSource s = NiftiSource.open(hdrPath)) {
            NiftiHeader h = readHeader(s);
            if (h.isSingleFile()) {
                return readData(h, scan, s, listener);
            }
            checkBeforeData(h, scan, hdrPath);
            try (NiftiSource d = NiftiSource.openImage(imagePath(hdrPath, p))) {
                return readData(h, scan, d, listener);
            }
        }
    }

    private NiftiHeader readHeader(NiftiSource s) throws IOException {
        Path file = s.file();
        byte[] first = new byte[4];
        int got = s.read(first, 0, 4);
        if (got < 4) {
            throw new NiftiException(file, "sizeof_hdr", got == 0 ? "the file is empty"
                    : "the file has only " + got + " bytes, too short for a NIfTI header");
        }
        Object[] versionAndOrder = HeaderCodec.sniff(first);
        if (versionAndOrder == null) {
            throw new NiftiException(file, "sizeof_hdr", "sizeof_hdr is "
                    + ByteBuffer.wrap(first).order(ByteOrder.LITTLE_ENDIAN).getInt() + " (little-endian) / "
                    + ByteBuffer.wrap(first).order(ByteOrder.BIG_ENDIAN).getInt()
                    + " (big-endian), neither 348 (NIfTI-1) nor 540 (NIfTI-2): not a NIfTI file");
        }
        int version = (Integer) versionAndOrder[0];
        ByteOrder order = (ByteOrder) versionAndOrder[1];
        int size = version == 1 ? HeaderCodec.NIFTI1_SIZE : HeaderCodec.NIFTI2_SIZE;
        byte[] raw = Arrays.copyOf(first, size);
        got = s.read(raw, 4, size - 4);
        if (got < size - 4) {
            throw new NiftiException(file, "sizeof_hdr", "header truncated: sizeof_hdr is " + size
                    + " but the file ends after " + (4 + got) + " bytes");
        }
        NiftiHeader.Builder builder = HeaderCodec.decode(raw, version, order, file);
        NiftiHeader h = builder.build();
        HeaderCodec.validate(h, file);
        readExtensions(s, h, builder);
        return builder.build();
    }

    private void readExtensions(NiftiSource s, NiftiHeader h, NiftiHeader.Builder builder) throws IOException {
        Path file = s.file();
        boolean single = h.isSingleFile();
        long end;
        if (single) {
            end = h.voxOffset();
            if (s.knownSize() >= 0 && end > s.knownSize()) {
                throw new NiftiException(file, "vox_offset", "vox_offset " + end + " is past the end of the file ("
                        + s.knownSize() + " bytes)");
            }
            if (end > limits.maxInflatedBytes()) {
                throw new NiftiException(file, "vox_offset", "vox_offset " + end
                        + " is beyond the limit maxInflatedBytes = " + limits.maxInflatedBytes());
            }
        } else {
            end = s.knownSize() >= 0 ? s.knownSize() : Long.MAX_VALUE;
        }
        if (end - s.position() < 4) {
            return;
        }
        byte[] extender = new byte[4];
        int got = s.read(extender, 0, 4);
        if (got < 4) {
            if (single) {
                throw new NiftiException(file, "vox_offset", "vox_offset " + end
                        + " is past the end of the data, which ends after " + s.position() + " bytes");
            }
            return; // a .hdr without the optional extender
        }
        builder.extender(extender);
        if (extender[0] == 0) {
            return;
        }
        long budget = Math.min(MAX_EXTENSION_BYTES, limits.maxInflatedBytes());
        long used = 0;
        List<NiftiExtension> list = new ArrayList<>();
        byte[] head = new byte[8];
        ByteBuffer hb = ByteBuffer.wrap(head).order(h.byteOrder());
        while (end - s.position() >= 8) {
            long start = s.position();
            got = s.read(head, 0, 8);
            if (got == 0 && !single) {
                break;
            }
            if (got < 8) {
                throw new NiftiException(file, "esize", "extension " + list.size() + " at byte " + start
                        + " is cut off by the end of the file");
            }
            int esize = hb.getInt(0);
            int ecode = hb.getInt(4);
            if (esize < 8) {
                throw new NiftiException(file, "esize", "extension " + list.size() + " at byte " + start
                        + " has esize " + esize + ", less than its own 8-byte header");
            }
            if (esize > end - start) {
                throw new NiftiException(file, "esize", "extension " + list.size() + " at byte " + start
                        + " has esize " + esize + ", running past " + (single ? "vox_offset " + end : "the end of the file"));
            }
            used += esize + EXTENSION_OVERHEAD;
            if (used > budget) {
                throw new NiftiException(file, "esize", "extensions take more than " + budget + " bytes");
            }
            byte[] data = readExactly(s, esize - 8);
            if (data == null) {
                throw new NiftiException(file, "esize", "extension " + list.size() + " at byte " + start
                        + " has esize " + esize + " but the file ends first");
            }
            list.add(new NiftiExtension(ecode, data));
        }
        builder.extensions(list);
    }

    /** Reads n bytes, growing the buffer as data arrives so a lying size cannot force a large allocation. */
    private static byte[] readExactly(NiftiSource s, int n) throws IOException {
        byte[] out = new byte[Math.min(n, NiftiSource.BUFFER)];
        int done = 0;
        while (done < n) {
            if (done == out.length) {
                out = Arrays.copyOf(out, (int) Math.min(n, out.length * 2L));
            }
            int got = s.read(out, done, out.length - done);
            if (got == 0) {
                return null;
            }
            done += got;
        }
        return out;
    }

    /** The size checks that need no data: dims against the limits, readScan's 3D check. Returns the voxel count. */
    private long checkBeforeData(NiftiHeader h, boolean scan, Path file) throws NiftiException {
        long[] dim = h.dim();
        if (scan) {
            for (int i = 4; i <= dim[0]; i++) {
                if (dim[i] != 1) {
                    throw new NiftiException(file, "dim", "a 3D scan is needed but dim " + Arrays.toString(dim)
                            + " has " + dim[0] + " dimensions with dim[" + i + "] = " + dim[i]);
                }
            }
        }
        long count = HeaderCodec.voxelCount(h, limits, file);
        long bytes = count * (h.bitpix() / 8);
        if (h.voxOffset() > limits.maxInflatedBytes()) {
            throw new NiftiException(file, "vox_offset", "vox_offset " + h.voxOffset()
                    + " is beyond the limit maxInflatedBytes = " + limits.maxInflatedBytes());
        }
        if (bytes > limits.maxInflatedBytes() - h.voxOffset()) {
            throw new NiftiException(file, "dim", "dim " + Arrays.toString(dim) + " at " + h.bitpix()
                    + " bits needs " + bytes + " bytes after vox_offset " + h.voxOffset()
                    + ", beyond the limit maxInflatedBytes = " + limits.maxInflatedBytes());
        }
        return count;
    }

    private NiftiImage readData(NiftiHeader h, boolean scan, NiftiSource d, VoxelListener listener) throws IOException {
        Path file = d.file();
        long count = checkBeforeData(h, scan, file);
        DataType type = DataType.fromNiftiCode(h.datatype()).orElseThrow();
        int bpv = type.bytes();
        long bytes = count * bpv;
        long voxOffset = h.voxOffset();
        if (d.knownSize() >= 0) {
            if (voxOffset > d.knownSize()) {
                throw new NiftiException(file, "vox_offset", "vox_offset " + voxOffset
                        + " is past the end of the file (" + d.knownSize() + " bytes)");
            }
            if (voxOffset + bytes > d.knownSize()) {
                throw truncated(file, h, bytes, d.knownSize() - voxOffset);
            }
        }
        byte[] chunk = new byte[NiftiSource.BUFFER];
        skipToVoxels(d, h, chunk);
        Voxels voxels = Voxels.allocate(type, (int) count);
        int[] dims = NiftiHeader.volumeDimsOrNull(h.dim());
        if (scan && dims.length == 4) {
            dims = Arrays.copyOf(dims, 3);
        }
        Volume volume = new Volume(dims, voxels, h.affine(), h.sclSlope(), h.sclInter());
        if (listener != null) {
            listener.started(h, volume);
        }
        ByteBuffer buf = ByteBuffer.wrap(chunk);
        CRC32 crc = new CRC32();
        int perChunk = chunk.length / bpv;
        int done = 0;
        while (done < count) {
            int n = (int) Math.min(perChunk, count - done);
            int got = d.read(chunk, 0, n * bpv);
            if (got < n * bpv) {
                throw truncated(file, h, bytes, (long) done * bpv + got);
            }
            crc.update(chunk, 0, got);
            buf.clear().limit(got);
            voxels.readFrom(buf, h.byteOrder(), done, n);
            done += n;
            if (listener != null) {
                listener.progress(done);
            }
        }
        if (d.isGzip() && !d.drain(limits.maxInflatedBytes() - d.position(), chunk)) {
            throw new NiftiException(file, "dim", "the gzip stream inflates past the limit maxInflatedBytes = "
                    + limits.maxInflatedBytes() + ", far more data than dim " + Arrays.toString(h.dim())
                    + " describes");
        }
        if (d.truncatedGzip()) {
            // all voxels arrived but the stream's CRC-32 trailer did not: the data cannot be trusted
            throw new NiftiException(file, "gzip", "the gzip stream is truncated after the voxel data "
                    + "(end marker or CRC-32/length trailer missing)");
        }
        return new NiftiImage(h, volume, crc.getValue());
    }

    /** Moves {@code s} to vox_offset, where the voxels begin; {@code scratch} is a buffer for skipping. */
    private static void skipToVoxels(NiftiSource s, NiftiHeader h, byte[] scratch) throws IOException {
        if (!s.skipTo(h.voxOffset(), scratch)) {
            throw new NiftiException(s.file(), "vox_offset", "vox_offset " + h.voxOffset()
                    + " is past the end of the data, which ends after " + s.position() + " bytes");
        }
    }

    private static NiftiException truncated(Path file, NiftiHeader h, long needed, long present) {
        return new NiftiException(file, "dim", "voxel data truncated: dim " + Arrays.toString(h.dim()) + " at "
                + h.bitpix() + " bits needs " + needed + " bytes after vox_offset " + h.voxOffset() + ", only "
                + Math.max(0, present) + " present");
    }

    /** The file holding the header: the .hdr (or .hdr.gz) beside a given .img, else the path itself. */
    static Path headerPath(Path p) throws NoSuchFileException {
        String name = fileName(p);
        String stem;
        if (name.endsWith(".img")) {
            stem = name.substring(0, name.length() - 4);
        } else if (name.endsWith(".img.gz")) {
            stem = name.substring(0, name.length() - 7);
        } else {
            return p;
        }
        for (String ext : name.endsWith(".gz") ? new String[] {".hdr.gz", ".hdr"} : new String[] {".hdr", ".hdr.gz"}) {
            Path candidate = p.resolveSibling(stem + ext);
            if (Files.exists(candidate)) {
                return candidate;
            }
        }
        throw new NoSuchFileException(p.resolveSibling(stem + ".hdr").toString(), null,
                "the header of NIfTI pair image " + p + " is missing");
    }

    /** The .img (or .img.gz) of a pair header, or the given path when that already is the image. */
    static Path imagePath(Path hdrPath, Path given) throws NoSuchFileException {
        if (!given.equals(hdrPath)) {
            return given;
        }
        String name = fileName(hdrPath);
        boolean gz = name.endsWith(".gz");
        String base = gz ? name.substring(0, name.length() - 3) : name;
        int dot = base.lastIndexOf('.');
        String stem = dot > 0 ? base.substring(0, dot) : base;
        for (String ext : gz ? new String[] {".img.gz", ".img"} : new String[] {".img", ".img.gz"}) {
            Path candidate = hdrPath.resolveSibling(stem + ext);
            if (Files.exists(candidate)) {
                return candidate;
            }
        }
        throw new NoSuchFileException(hdrPath.resolveSibling(stem + ".img").toString(), null,
                "the voxel data of NIfTI pair header " + hdrPath + " is missing");
    }

    private static String fileName(Path p) {
        Path f = p.getFileName();
        return f == null ? "" : f.toString();
    }

    /** The path a stream's name stands for in messages ({@link NiftiException#file()}). */
    public static Path nameAsPath(String name) {
        try {
            return Path.of(name);
        } catch (InvalidPathException e) {
            return Path.of(name.replace('\0', '_'));
        }
    }
}
