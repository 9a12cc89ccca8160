package io.liverseg.imaging.nifti;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One NIfTI header extension: its {@code ecode} and its content ({@code esize - 8} bytes as read,
 * including any zero padding). Writers pad the content to make {@code esize} a multiple of 16.
 */
public record NiftiExtension(int code, byte[] data) {
    /** NIFTI_ECODE_COMMENT: free text. */
    public static final int ECODE_COMMENT = 6;

    public NiftiExtension {
        data = data.clone();
    }

    /** An extension holding UTF-8 text, e.g. a comment (code 6). */
    public static NiftiExtension ofText(int code, String text) {
        return new NiftiExtension(code, text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** The content as UTF-8 text up to the first NUL (padding removed). */
    public String text() {
        int n = 0;
        while (n < data.length && data[n] != 0) {
            n++;
        }
        return new String(data, 0, n, StandardCharsets.UTF_8);
    }

    /** {@code esize} as written: 8 header bytes plus the content, rounded up to a multiple of 16. */
    public int esize() {
        return (int) ((data.length + 8L + 15) / 16 * 16);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NiftiExtension e && e.code == code && Arrays.equals(e.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * code + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "NiftiExtension[code=" + code + ", " + data.length + " bytes]";
    }
}
