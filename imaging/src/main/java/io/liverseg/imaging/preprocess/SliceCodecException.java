package io.liverseg.imaging.preprocess;

import java.io.IOException;

/**
 * A slice batch ({@code .lsb}) or mask part ({@code .lsm}) that cannot be decoded: wrong magic, unknown
 * version, impossible sizes, a corrupt or truncated compressed body. Names the field at fault
 * ({@link #field()}: {@code magic}, {@code version}, {@code first_slice}, {@code count}, {@code channels},
 * {@code height}, {@code width}, {@code header}, {@code data}, ...) in the message too.
 */
public class SliceCodecException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String field;

    public SliceCodecException(String field, String message) {
        super("field '" + field + "': " + message);
        this.field = field;
    }

    public SliceCodecException(String field, String message, Throwable cause) {
        super("field '" + field + "': " + message, cause);
        this.field = field;
    }

    /** The header field (or {@code data} for the compressed body) that is wrong. */
    public String field() {
        return field;
    }
}
