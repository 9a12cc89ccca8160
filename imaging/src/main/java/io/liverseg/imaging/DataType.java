package io.liverseg.imaging;

import java.util.Optional;

/** Voxel storage types liverseg reads and writes, with their NIfTI datatype codes. */
public enum DataType {
    UINT8(2, 1, false, true),
    INT8(256, 1, false, false),
    INT16(4, 2, false, false),
    UINT16(512, 2, false, true),
    INT32(8, 4, false, false),
    UINT32(768, 4, false, true),
    INT64(1024, 8, false, false),
    UINT64(1280, 8, false, true),
    FLOAT32(16, 4, true, false),
    FLOAT64(64, 8, true, false);

    private final int niftiCode;
    private final int bytes;
    private final boolean floating;
    private final boolean unsigned;

    DataType(int niftiCode, int bytes, boolean floating, boolean unsigned) {
        this.niftiCode = niftiCode;
        this.bytes = bytes;
        this.floating = floating;
        this.unsigned = unsigned;
    }

    /** The NIfTI {@code datatype} header code. */
    public int niftiCode() {
        return niftiCode;
    }

    /** Bytes per voxel (NIfTI {@code bitpix / 8}). */
    public int bytes() {
        return bytes;
    }

    public boolean isFloating() {
        return floating;
    }

    public boolean isUnsigned() {
        return unsigned;
    }

    /** The type for a NIfTI datatype code, or empty when liverseg does not support it (RGB, complex, ...). */
    public static Optional<DataType> fromNiftiCode(int code) {
        for (DataType t : values()) {
            if (t.niftiCode == code) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
