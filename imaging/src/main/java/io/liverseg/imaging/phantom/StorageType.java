package io.liverseg.imaging.phantom;

import io.liverseg.imaging.DataType;

/** How a phantom image stores HU, mirroring what scanners and converters write. */
public enum StorageType {
    /** int16 raw = HU, unscaled. */
    INT16(DataType.INT16, 1, 0),
    /** int16 raw = HU + 1024 with scl_slope 1, scl_inter -1024, as many DICOM converters write. */
    INT16_OFFSET(DataType.INT16, 1, -1024),
    /** float32 HU, unscaled and not rounded. */
    FLOAT32(DataType.FLOAT32, 1, 0);

    private final DataType dataType;
    private final double slope;
    private final double inter;

    StorageType(DataType dataType, double slope, double inter) {
        this.dataType = dataType;
        this.slope = slope;
        this.inter = inter;
    }

    public DataType dataType() {
        return dataType;
    }

    /** The NIfTI scl_slope written (value = raw * slope + inter). */
    public double slope() {
        return slope;
    }

    /** The NIfTI scl_inter written. */
    public double inter() {
        return inter;
    }
}
