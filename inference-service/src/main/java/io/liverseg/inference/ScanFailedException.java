package io.liverseg.inference;

/** A scan could not be segmented; its message becomes the dead-letter reason. */
public class ScanFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ScanFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
