package io.liverseg.imaging.measure;

/** Two volumes that must share a voxel grid (an image and its label, a prediction and its reference) do not. */
public class GridMismatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String field;

    public GridMismatchException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    /** The geometry field that differs: "dim" or "affine". */
    public String field() {
        return field;
    }
}
