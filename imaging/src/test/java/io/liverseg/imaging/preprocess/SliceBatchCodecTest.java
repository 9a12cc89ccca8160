package io.liverseg.imaging.preprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class SliceBatchCodecTest {

    private static SliceBatch randomBatch() {
        SplittableRandom rnd = new SplittableRandom(7);
        int count = 3;
        int channels = 3;
        int size = 20;
        float[] data = new float[count * channels * size * size];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) rnd.nextDouble(-3, 3);
        }
        // values whose bits a lossy or text format would not keep
        data[0] = Float.MIN_VALUE;
        data[1] = -0.0f;
        data[2] = Float.NaN;
        data[3] = Math.nextUp(0.5f);
        return new SliceBatch(17, count, channels, size, size, data);
    }

    private static SliceBatchCodec.MaskPart randomPart() {
        SplittableRandom rnd = new SplittableRandom(9);
        byte[] labels = new byte[2 * 16 * 16];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (byte) rnd.nextInt(0, 256);
        }
        return new SliceBatchCodec.MaskPart(40, 2, 16, 16, labels, 1234L, 567L);
    }

    /**
     * Loaded by a class loader other than the system one — as in a Quarkus service — the codec still uses
     * lz4-java's natives, which {@code LZ4Factory.fastestInstance()} would not (it fell back to pure Java there).
     */
    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
    void usesLz4NativesAlsoUnderAnApplicationClassLoader() throws Exception {
        assertThat(SliceBatchCodec.lz4Implementation()).isEqualTo("LZ4Factory:JNI");
        URL[] classpath = {SliceBatchCodec.class.getProtectionDomain().getCodeSource().getLocation(),
            LZ4Factory.class.getProtectionDomain().getCodeSource().getLocation()};
        try (URLClassLoader app = new URLClassLoader("quarkus-like", classpath, ClassLoader.getPlatformClassLoader())) {
            Class<?> codec = Class.forName(SliceBatchCodec.class.getName(), true, app);
            assertThat(codec.getClassLoader()).isSameAs(app);
            assertThat(codec.getMethod("lz4Implementation").invoke(null)).isEqualTo("LZ4Factory:JNI");
        }
    }

    @Test
    void sliceBatchRoundTripIsBitExactAndDeterministic() throws Exception {
        SliceBatch b = randomBatch();
        byte[] bytes = SliceBatchCodec.encode(b);
        SliceBatch back = SliceBatchCodec.decodeBatch(bytes);

        assertThat(back.firstSlice()).isEqualTo(17);
        assertThat(back.count()).isEqualTo(3);
        assertThat(back.channels()).isEqualTo(3);
        assertThat(back.height()).isEqualTo(20);
        assertThat(back.width()).isEqualTo(20);
        int[] want = new int[b.data().length];
        int[] got = new int[back.data().length];
        for (int i = 0; i < want.length; i++) {
            want[i] = Float.floatToRawIntBits(b.data()[i]);
            got[i] = Float.floatToRawIntBits(back.data()[i]);
        }
        assertThat(got).isEqualTo(want);
        assertThat(SliceBatchCodec.encode(back)).isEqualTo(bytes);
        assertThat(new String(bytes, 0, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("LSB1");
    }

    /**
     * A real 3-channel batch of adjacent slices: slices 1..4 of a 6-slice volume of random HU at 100², planes
     * larger than deflate's 32 KiB window, so only the layout can avoid storing a plane three times.
     */
    private static SliceBatch adjacentSliceBatch() {
        SplittableRandom rnd = new SplittableRandom(5);
        short[] hu = new short[100 * 100 * 6];
        for (int i = 0; i < hu.length; i++) {
            hu[i] = (short) rnd.nextInt(-200, 300);
        }
        io.liverseg.imaging.Volume v = new io.liverseg.imaging.Volume(100, 100, 6, io.liverseg.imaging.Voxels.ofShorts(hu),
                io.liverseg.imaging.Affine.scaling(1, 1, 1));
        return new SlicePreprocessor(v, new PreprocessingSpec(HuWindow.ABDOMEN, Normalization.UNIT, 100, 3)).batch(1, 4);
    }

    private static int version(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(4);
    }

    private static int layout(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(28);
    }

    @Test
    void adjacentSliceBatchesStoreEachPlaneOnceAndDecodeBitExact() throws Exception {
        SliceBatch b = adjacentSliceBatch();
        byte[] bytes = SliceBatchCodec.encode(b);
        assertThat(version(bytes)).isEqualTo(SliceBatchCodec.VERSION_LZ4);
        assertThat(layout(bytes)).isEqualTo(SliceBatchCodec.LAYOUT_SHARED_PLANES);
        SliceBatch back = SliceBatchCodec.decodeBatch(bytes);
        assertThat(back.firstSlice()).isEqualTo(1);
        assertThat(back.count()).isEqualTo(4);
        assertThat(back.channels()).isEqualTo(3);
        assertThat(back.data()).containsExactly(b.data());
        assertThat(SliceBatchCodec.encode(back)).isEqualTo(bytes);

        // the same values without the neighbour structure: every plane stored, about 12/6 times the bytes
        float[] broken = b.data().clone();
        broken[3 * 100 * 100 + 5] += 0.25f; // input 1, channel 0 no longer equals input 0's centre plane
        byte[] full = SliceBatchCodec.encode(new SliceBatch(1, 4, 3, 100, 100, broken));
        assertThat(layout(full)).isEqualTo(SliceBatchCodec.LAYOUT_ALL_PLANES);
        assertThat(SliceBatchCodec.decodeBatch(full).data()).containsExactly(broken);
        assertThat(bytes.length).isLessThan(full.length * 6 / 10);
    }

    @Test
    void aSharedPlaneBatchMustHaveThreeChannels() {
        byte[] bytes = SliceBatchCodec.encode(adjacentSliceBatch());
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(16, 1);
        assertThatThrownBy(() -> SliceBatchCodec.decodeBatch(bytes))
                .isInstanceOf(SliceCodecException.class)
                .satisfies(e -> assertThat(((SliceCodecException) e).field()).isEqualTo("channels"));
    }

    @Test
    void constantBatchCompresses() throws Exception {
        SliceBatch zeros = new SliceBatch(0, 4, 1, 64, 64, new float[4 * 64 * 64]);
        byte[] bytes = SliceBatchCodec.encode(zeros);
        assertThat(bytes.length).isLessThan(4 * 64 * 64 * 4 / 20);
        assertThat(SliceBatchCodec.decodeBatch(bytes).data()).containsOnly(0f);
    }

    @Test
    void maskPartRoundTrip() throws Exception {
        SliceBatchCodec.MaskPart p = randomPart();
        byte[] bytes = SliceBatchCodec.encode(p);
        SliceBatchCodec.MaskPart back = SliceBatchCodec.decodeMask(bytes);
        assertThat(back).isEqualTo(p);
        assertThat(back.labels()).isEqualTo(p.labels());
        assertThat(back.predictMs()).isEqualTo(1234L);
        assertThat(back.preprocessMs()).isEqualTo(567L);
        assertThat(SliceBatchCodec.encode(back)).isEqualTo(bytes);
    }

    @Test
    void corruptMagicIsRefusedNamingTheField() {
        byte[] bytes = SliceBatchCodec.encode(randomBatch());
        bytes[0] = 'X';
        assertThatThrownBy(() -> SliceBatchCodec.decodeBatch(bytes))
                .isInstanceOf(SliceCodecException.class)
                .hasMessageContaining("magic")
                .satisfies(e -> assertThat(((SliceCodecException) e).field()).isEqualTo("magic"));
        // a mask part is not a batch, and the other way round
        byte[] mask = SliceBatchCodec.encode(randomPart());
        assertThatThrownBy(() -> SliceBatchCodec.decodeBatch(mask)).hasMessageContaining("magic");
        assertThatThrownBy(() -> SliceBatchCodec.decodeMask(SliceBatchCodec.encode(randomBatch())))
                .hasMessageContaining("magic");
    }

    @Test
    void unknownVersionIsRefused() {
        byte[] bytes = SliceBatchCodec.encode(randomPart());
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 2);
        assertThatThrownBy(() -> SliceBatchCodec.decodeMask(bytes))
                .isInstanceOf(SliceCodecException.class)
                .satisfies(e -> assertThat(((SliceCodecException) e).field()).isEqualTo("version"));
        byte[] batch = SliceBatchCodec.encode(randomBatch());
        ByteBuffer.wrap(batch).order(ByteOrder.LITTLE_ENDIAN).putInt(4, SliceBatchCodec.VERSION_LZ4 + 1);
        assertThatThrownBy(() -> SliceBatchCodec.decodeBatch(batch))
                .isInstanceOf(SliceCodecException.class)
                .satisfies(e -> assertThat(((SliceCodecException) e).field()).isEqualTo("version"));
    }

    @Test
    void truncatedInputIsRefusedAtEveryLength() {
        byte[] bytes = SliceBatchCodec.encode(randomBatch());
        for (int len : new int[] {0, 3, 10, SliceBatchCodec.BATCH_HEADER, SliceBatchCodec.BATCH_HEADER + 5,
                SliceBatchCodec.BATCH_HEADER_LZ4, bytes.length / 2, bytes.length - 5, bytes.length - 1}) {
            byte[] cut = Arrays.copyOf(bytes, len);
            assertThatThrownBy(() -> SliceBatchCodec.decodeBatch(cut))
                    .as("length %d", len)
                    .isInstanceOf(SliceCodecException.class)
                    .satisfies(e -> assertThat(((SliceCodecException) e).field()).isIn("magic", "header", "data"));
        }
        byte[] mask = SliceBatchCodec.encode(randomPart());
        byte[] cutMask = Arrays.copyOf(mask, mask.length - 2);
        assertThatThrownBy(() -> SliceBatchCodec.decodeMask(cutMask))
                .isInstanceOf(SliceCodecException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void corruptBodyAndImpossibleHeaderAreRefused() {
        byte[] bytes = SliceBatchCodec.encode(randomBatch());
        byte[] flipped = bytes.clone();
        flipped[flipped.length / 2] ^= 0x55;
        assertThatThrownBy(() -> SliceBatchCodec.decodeBatch(flipped))
                .isInstanceOf(SliceCodecException.class)
                .satisfies(e -> assertThat(((SliceCodecException) e).field()).isEqualTo("data"));

        byte[] negative = bytes.clone();
        ByteBuffer.wrap(negative).order(ByteOrder.LITTLE_ENDIAN).putInt(16, 0);
        assertThatThrownBy(() -> SliceBatchCodec.decodeBatch(negative))
                .satisfies(e -> assertThat(((SliceCodecException) e).field()).isEqualTo("channels"));

        byte[] huge = bytes.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 100_000);
        assertThatThrownBy(() -> SliceBatchCodec.decodeBatch(huge)).isInstanceOf(SliceCodecException.class);

        byte[] longer = Arrays.copyOf(bytes, bytes.length + 3);
        assertThatThrownBy(() -> SliceBatchCodec.decodeBatch(longer))
                .isInstanceOf(SliceCodecException.class)
                .hasMessageContaining("unexpected bytes");
    }

    @Test
    void aBodyThatDecompressesToOtherBytesFailsItsChecksum() {
        byte[] bytes = SliceBatchCodec.encode(randomBatch());
        ByteBuffer h = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(32, h.getInt(32) ^ 1);
        assertThatThrownBy(() -> SliceBatchCodec.decodeBatch(bytes))
                .isInstanceOf(SliceCodecException.class)
                .hasMessageContaining("CRC-32C")
                .satisfies(e -> assertThat(((SliceCodecException) e).field()).isEqualTo("data"));
    }

    @Test
    void anUnknownLayoutIsRefusedNamingTheField() {
        byte[] bytes = SliceBatchCodec.encode(randomBatch());
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(28, 7);
        assertThatThrownBy(() -> SliceBatchCodec.decodeBatch(bytes))
                .isInstanceOf(SliceCodecException.class)
                .satisfies(e -> assertThat(((SliceCodecException) e).field()).isEqualTo("layout"));
    }

    /**
     * Batches written before LZ4 (versions 1 and 2: 28-byte header, zlib body) are still read, bit-exact: built
     * here by hand from the old format's description, not by the codec.
     */
    @Test
    void legacyZlibBatchesStillDecode() throws Exception {
        SliceBatch plain = randomBatch();
        SliceBatch back = SliceBatchCodec.decodeBatch(legacy(1, plain, plain.data()));
        assertThat(back.firstSlice()).isEqualTo(17);
        assertThat(bits(back.data())).isEqualTo(bits(plain.data()));

        SliceBatch adjacent = adjacentSliceBatch();
        int plane = 100 * 100;
        float[] planes = new float[(adjacent.count() + 2) * plane];
        System.arraycopy(adjacent.data(), 0, planes, 0, plane);
        for (int n = 0; n < adjacent.count(); n++) {
            System.arraycopy(adjacent.data(), (n * 3 + 1) * plane, planes, (n + 1) * plane, plane);
        }
        System.arraycopy(adjacent.data(), ((adjacent.count() - 1) * 3 + 2) * plane, planes,
                (adjacent.count() + 1) * plane, plane);
        SliceBatch shared = SliceBatchCodec.decodeBatch(legacy(2, adjacent, planes));
        assertThat(shared.channels()).isEqualTo(3);
        assertThat(shared.data()).containsExactly(adjacent.data());

        byte[] corrupt = legacy(1, plain, plain.data());
        corrupt[corrupt.length / 2] ^= 0x55;
        assertThatThrownBy(() -> SliceBatchCodec.decodeBatch(corrupt))
                .isInstanceOf(SliceCodecException.class)
                .satisfies(e -> assertThat(((SliceCodecException) e).field()).isEqualTo("data"));
    }

    private static byte[] legacy(int version, SliceBatch b, float[] stored) {
        ByteBuffer raw = ByteBuffer.allocate(stored.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(stored);
        java.util.zip.Deflater d = new java.util.zip.Deflater(6);
        d.setInput(raw.array());
        d.finish();
        byte[] body = new byte[stored.length * 4 + 1024];
        int n = 0;
        while (!d.finished()) {
            n += d.deflate(body, n, body.length - n);
        }
        d.end();
        ByteBuffer out = ByteBuffer.allocate(28 + n).order(ByteOrder.LITTLE_ENDIAN);
        out.put("LSB1".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(version).putInt(b.firstSlice())
                .putInt(b.count()).putInt(b.channels()).putInt(b.height()).putInt(b.width()).put(body, 0, n);
        return out.array();
    }

    private static int[] bits(float[] f) {
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            b[i] = Float.floatToRawIntBits(f[i]);
        }
        return b;
    }
}
