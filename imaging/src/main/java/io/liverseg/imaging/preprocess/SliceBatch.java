package io.liverseg.imaging.preprocess;

/**
 * A batch of consecutive canonical axial slices as float32 network input, NCHW:
 * {@code data[((n * channels + c) * height + y) * width + x]} where slice n is canonical slice
 * {@code firstSlice + n}, y runs along the canonical j (posterior → anterior) and x along i (left → right).
 */
public record SliceBatch(int firstSlice, int count, int channels, int height, int width, float[] data) {
    public SliceBatch {
        if ((long) count * channels * height * width != data.length) {
            throw new IllegalArgumentException("data length " + data.length + " != " + count + "x" + channels
                    + "x" + height + "x" + width);
        }
    }

    /** Floats per slice (all channels). */
    public int sliceStride() {
        return channels * height * width;
    }
}
