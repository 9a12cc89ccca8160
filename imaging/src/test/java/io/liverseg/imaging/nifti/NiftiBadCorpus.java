package io.liverseg.imaging.nifti;

import io.liverseg.imaging.DataType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

/**
 * Generator of the bad-input corpus committed in {@code src/test/resources/nifti-bad}: each file is a small
 * valid image with one defect, and names the header field a reader must blame. {@link NiftiBadInputTest}
 * checks that the committed files are exactly what this makes. Regenerate after a change with
 * {@code java -cp target/test-classes:target/classes io.liverseg.imaging.nifti.NiftiBadCorpus
 * src/test/resources/nifti-bad} (from the imaging module).
 */
final class NiftiBadCorpus {
    /**
     * One corpus file.
     *
     * @param name   file name in the corpus
     * @param bytes  its content
     * @param field  the field the NiftiException must name
     * @param read   the name to pass to the reader (the .hdr of a pair)
     * @param blamed the file the message must name (the .img when the voxel data is at fault)
     */
    record Entry(String name, byte[] bytes, String field, String read, String blamed) {
    }

    private NiftiBadCorpus() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "src/test/resources/nifti-bad");
        Files.createDirectories(dir);
        for (Entry e : entries()) {
            Files.write(dir.resolve(e.name()), e.bytes());
        }
    }

    static List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        byte[] valid = valid1(ByteOrder.LITTLE_ENDIAN);

        add(out, "empty.nii", new byte[0], "sizeof_hdr");
        add(out, "truncated-header.nii", Arrays.copyOf(valid, 200), "sizeof_hdr");
        add(out, "truncated-header.nii.gz", gzip(Arrays.copyOf(valid, 200)), "sizeof_hdr");
        add(out, "truncated-data.nii", Arrays.copyOf(valid, 352 + 50), "dim");
        add(out, "truncated-data.nii.gz", gzip(Arrays.copyOf(valid, 352 + 50)), "dim");
        byte[] pairHeader = patch(valid, b -> {
            b.put(344, (byte) 'n').put(345, (byte) 'i');
            b.putFloat(108, 0);
        });
        out.add(new Entry("truncated-data-pair.hdr", Arrays.copyOf(pairHeader, 352), "dim",
                "truncated-data-pair.hdr", "truncated-data-pair.img"));
        out.add(new Entry("truncated-data-pair.img", new byte[60], "dim",
                "truncated-data-pair.hdr", "truncated-data-pair.img"));

        add(out, "wrong-magic.nii", patch(valid, b -> b.put(344, (byte) 'x').put(345, (byte) 'y')), "magic");
        add(out, "analyze75-no-magic.hdr", patch(Arrays.copyOf(valid, 348), b -> b.putInt(344, 0)), "magic");
        add(out, "sizeof-hdr-349.nii", patch(valid, b -> b.putInt(0, 349)), "sizeof_hdr");
        add(out, "sizeof-hdr-348-with-nifti2-magic.nii", patch(valid, b -> b.put(346, (byte) '2')), "magic");
        add(out, "nifti2-magic-damaged-by-text-mode.nii", patch(valid2(), b -> b.put(8, (byte) 0x0a)), "magic");

        add(out, "dim-negative.nii", patch(valid, b -> b.putShort(44, (short) -4)), "dim");
        add(out, "dim-zero.nii", patch(valid, b -> b.putShort(46, (short) 0)), "dim");
        add(out, "dim0-zero.nii", patch(valid, b -> b.putShort(40, (short) 0)), "dim");
        add(out, "dim0-eight.nii", patch(valid, b -> b.putShort(40, (short) 8)), "dim");
        add(out, "dim-5d-non-unit.nii", patch(valid, b -> b.putShort(40, (short) 5).putShort(50, (short) 2)), "dim");
        add(out, "dim-big-endian-negative.nii", patch(valid1(ByteOrder.BIG_ENDIAN),
                b -> b.putShort(42, (short) -1)), "dim");
        add(out, "dims-overflow-long.nii", patch(valid2(),
                b -> b.putLong(24, 1L << 40).putLong(32, 1L << 40).putLong(40, 1L << 40)), "dim");
        add(out, "dims-overflow-int.nii", patch(valid,
                b -> b.putShort(42, Short.MAX_VALUE).putShort(44, Short.MAX_VALUE).putShort(46, Short.MAX_VALUE)), "dim");
        // 1024 × 1024 × 1025 = 1074790400 voxels: fits an int but not the default budget of 2^30
        add(out, "dims-over-voxel-budget.nii", patch(valid,
                b -> b.putShort(42, (short) 1024).putShort(44, (short) 1024).putShort(46, (short) 1025)), "dim");

        add(out, "vox-offset-past-eof.nii", patch(valid, b -> b.putFloat(108, 1_000_000)), "vox_offset");
        add(out, "vox-offset-past-eof.nii.gz", gzip(patch(valid, b -> b.putFloat(108, 1_000_000))), "vox_offset");
        add(out, "vox-offset-negative.nii", patch(valid, b -> b.putFloat(108, -352)), "vox_offset");
        add(out, "vox-offset-nan.nii", patch(valid, b -> b.putFloat(108, Float.NaN)), "vox_offset");
        add(out, "vox-offset-fractional.nii", patch(valid, b -> b.putFloat(108, 352.5f)), "vox_offset");
        add(out, "vox-offset-inside-header.nii", patch(valid, b -> b.putFloat(108, 100)), "vox_offset");

        add(out, "datatype-rgb24.nii", patch(valid, b -> b.putShort(70, (short) 128).putShort(72, (short) 24)),
                "datatype");
        add(out, "datatype-complex64.nii", patch(valid, b -> b.putShort(70, (short) 32).putShort(72, (short) 64)),
                "datatype");
        add(out, "datatype-rgba32.nii", patch(valid, b -> b.putShort(70, (short) 2304).putShort(72, (short) 32)),
                "datatype");
        add(out, "datatype-unknown-9999.nii", patch(valid, b -> b.putShort(70, (short) 9999)), "datatype");
        add(out, "bitpix-mismatch.nii", patch(valid, b -> b.putShort(72, (short) 8)), "bitpix");

        add(out, "esize-zero.nii", withExtension(valid, 0, 16), "esize");
        add(out, "esize-past-vox-offset.nii", withExtension(valid, 4096, 16), "esize");
        add(out, "srow-nan.nii", patch(valid, b -> b.putFloat(280, Float.NaN)), "srow_x");
        add(out, "quatern-infinite.nii", patch(valid,
                b -> b.putShort(254, (short) 0).putShort(252, (short) 1).putFloat(256, Float.POSITIVE_INFINITY)),
                "quatern_b");
        byte[] gz = gzip(valid);
        add(out, "corrupt-gzip.nii.gz", patch(gz, b -> {
            for (int i = 12; i < b.capacity() - 8; i++) {
                b.put(i, (byte) (i * 37));
            }
        }), "gzip");
        return out;
    }

    private static void add(List<Entry> out, String name, byte[] bytes, String field) {
        out.add(new Entry(name, bytes, field, name, name));
    }

    /** A valid NIfTI-1 4×4×4 int16 image, sform identity, voxel i holding i. */
    static byte[] valid1(ByteOrder order) {
        return image(1, order);
    }

    /** The same image as NIfTI-2, little-endian. */
    static byte[] valid2() {
        return image(2, ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] image(int version, ByteOrder order) {
        NiftiHeader h = NiftiHeader.builder().version(version).byteOrder(order).dims(4, 4, 4)
                .datatype(DataType.INT16.niftiCode()).bitpix(16).sformCode(2).qformCode(0).build();
        byte[] head = HeaderCodec.encode(h, true, version == 1 ? 352 : 544);
        ByteBuffer data = ByteBuffer.allocate(128).order(order);
        for (int i = 0; i < 64; i++) {
            data.putShort((short) i);
        }
        byte[] all = Arrays.copyOf(head, head.length + 128);
        System.arraycopy(data.array(), 0, all, head.length, 128);
        return all;
    }

    /** The valid image with extender 1 and one extension of the given esize, data moved to 352 + room. */
    private static byte[] withExtension(byte[] valid, int esize, int room) {
        ByteBuffer b = ByteBuffer.allocate(valid.length + room).order(ByteOrder.LITTLE_ENDIAN);
        b.put(valid, 0, 352);
        b.put(348, (byte) 1);
        b.putInt(352, esize).putInt(356, 6);
        b.put(360, "bad".getBytes(StandardCharsets.US_ASCII));
        b.putFloat(108, 352 + room);
        b.position(352 + room);
        b.put(valid, 352, valid.length - 352);
        return b.array();
    }

    private static byte[] patch(byte[] src, Consumer<ByteBuffer> edit) {
        byte[] copy = src.clone();
        ByteOrder order = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).getInt(0) == 348
                || ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).getInt(0) == 540
                ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        edit.accept(ByteBuffer.wrap(copy).order(order));
        return copy;
    }

    static byte[] gzip(byte[] data) {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
                gz.write(data);
            }
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
