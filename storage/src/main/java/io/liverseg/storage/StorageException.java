package io.liverseg.storage;

/** An S3 call failed (network, credentials, server error); names the bucket and key. */
public class StorageException extends RuntimeException {
    private final String key;

    public StorageException(String message, String key, Throwable cause) {
        super(message, cause);
        this.key = key;
    }

    /** The object key (or prefix) of the failed call. */
    public String key() {
        return key;
    }
}
