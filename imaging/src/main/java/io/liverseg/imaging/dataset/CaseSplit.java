package io.liverseg.imaging.dataset;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The train/validation split by case, stable by hash of the case name: a case's assignment never depends
 * on which other cases exist, so adding data never moves a validation case into training (no leakage
 * between model versions). About {@link #VALIDATION_PERCENT} % of cases validate.
 */
public final class CaseSplit {
    public static final int VALIDATION_PERCENT = 20;

    private CaseSplit() {
    }

    /** The two halves. */
    public record Split(List<LabelledCase> training, List<LabelledCase> validation) {
    }

    /** True when the case belongs to the validation set: the first 8 bytes of SHA-256(name) mod 100 < 20. */
    public static boolean isValidation(String caseName) {
        return bucket(caseName) < VALIDATION_PERCENT;
    }

    /** The case's bucket in [0, 100). */
    public static int bucket(String caseName) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(caseName.getBytes(StandardCharsets.UTF_8));
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (h[i] & 0xFF);
            }
            return (int) Long.remainderUnsigned(v, 100);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }

    /**
     * Splits cases by hash. With at least two cases, neither half is left empty: when the hash puts every
     * case on one side, the case with the lowest (or highest) bucket moves, so tiny sets still validate.
     */
    public static Split split(List<LabelledCase> cases) {
        List<LabelledCase> train = new ArrayList<>();
        List<LabelledCase> val = new ArrayList<>();
        for (LabelledCase c : cases) {
            (isValidation(c.name()) ? val : train).add(c);
        }
        if (cases.size() >= 2 && val.isEmpty()) {
            LabelledCase lowest = train.stream().min((a, b) -> Integer.compare(bucket(a.name()), bucket(b.name()))).orElseThrow();
            train.remove(lowest);
            val.add(lowest);
        } else if (cases.size() >= 2 && train.isEmpty()) {
            LabelledCase highest = val.stream().max((a, b) -> Integer.compare(bucket(a.name()), bucket(b.name()))).orElseThrow();
            val.remove(highest);
            train.add(highest);
        }
        return new Split(List.copyOf(train), List.copyOf(val));
    }
}
