package io.liverseg.imaging.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * A fingerprint of a labelled data set: SHA-256 over the cases sorted by name, each contributing its name
 * and the SHA-256 of its image and label files. Any change of content, a case added or removed, changes it;
 * file paths and order do not.
 */
public final class DatasetFingerprint {
    private DatasetFingerprint() {
    }

    /** "sha256:" followed by 64 hex digits. */
    public static String of(List<LabelledCase> cases) throws IOException {
        MessageDigest all = sha256();
        for (LabelledCase c : cases.stream().sorted(Comparator.comparing(LabelledCase::name)).toList()) {
            all.update(c.name().getBytes(StandardCharsets.UTF_8));
            all.update((byte) 0);
            all.update(fileHash(c.image()).getBytes(StandardCharsets.US_ASCII));
            all.update(fileHash(c.label()).getBytes(StandardCharsets.US_ASCII));
        }
        return "sha256:" + HexFormat.of().formatHex(all.digest());
    }

    /** SHA-256 hex of a file's bytes. */
    public static String fileHash(java.nio.file.Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return streamHash(in);
        }
    }

    /** SHA-256 hex of the bytes left in a stream (read to its end, not closed). */
    public static String streamHash(InputStream in) throws IOException {
        MessageDigest d = sha256();
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) {
            d.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }
}
