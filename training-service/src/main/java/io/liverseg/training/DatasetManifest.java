package io.liverseg.training;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.liverseg.imaging.dataset.CaseSplit;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The labelled cases of one task ({@code datasets/{task}/manifest.json}): where each case's image and label live,
 * their SHA-256, the case's stable train/validation assignment ({@link CaseSplit}: by hash of the case name, so
 * adding data never moves a validation case into training) and the fingerprint of the whole set, computed exactly
 * as {@link io.liverseg.imaging.dataset.DatasetFingerprint#of} computes it from the files. Immutable; the
 * {@code with...} methods return changed copies.
 *
 * @param task              the task
 * @param validationPercent share of cases the hash puts into validation
 * @param lastSeq           sequence number of the last change; each added or corrected case gets the next one
 * @param fingerprint       {@code sha256:...} of the set, or null when empty
 * @param counts            cases per split
 * @param updatedAt         ISO-8601 instant of the last change
 * @param cases             the cases, by name
 * @param refused           the last labels refused (grid mismatch, unreadable), newest last
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DatasetManifest(String task, int validationPercent, long lastSeq, String fingerprint, Counts counts,
                              String updatedAt, List<Case> cases, List<Refusal> refused) {
    /** Refusals kept in the manifest. */
    static final int MAX_REFUSED = 100;
    public static final String TRAINING = "training";
    public static final String VALIDATION = "validation";

    public DatasetManifest {
        cases = cases == null ? List.of() : cases.stream().sorted(Comparator.comparing(Case::name)).toList();
        refused = refused == null ? List.of() : List.copyOf(refused);
    }

    /**
     * One labelled case.
     *
     * @param name        the case name: the scan id (the split hashes it)
     * @param scanId      the scan
     * @param imageKey    the image in the bucket
     * @param labelKey    the label in the bucket
     * @param split       {@link #TRAINING} or {@link #VALIDATION}
     * @param imageSha256 SHA-256 hex of the image file
     * @param labelSha256 SHA-256 hex of the label file
     * @param source      "upload" or "correction"
     * @param labeledAt   ISO-8601 instant of the label
     * @param seq         the manifest's {@code last_seq} when this case was added or last corrected
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Case(String name, String scanId, String imageKey, String labelKey, String split, String imageSha256,
                       String labelSha256, String source, String labeledAt, long seq) {
    }

    /** A label that was not taken into the dataset, and why. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Refusal(String scanId, String labelKey, String field, String reason, String at) {
    }

    /** Cases per split. */
    public record Counts(int training, int validation) {
    }

    public static DatasetManifest empty(String task) {
        return new DatasetManifest(task, CaseSplit.VALIDATION_PERCENT, 0, null, new Counts(0, 0), null, List.of(), List.of());
    }

    /** The split a case name belongs to (stable: depends on the name only). */
    public static String splitOf(String name) {
        return CaseSplit.isValidation(name) ? VALIDATION : TRAINING;
    }

    public Optional<Case> find(String name) {
        return cases.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /**
     * The manifest with {@code c} added, or replacing the case of the same name (a correction). A case that is
     * already there with the same keys and hashes (a redelivered event) leaves the manifest as it is.
     *
     * @return empty when nothing changed
     */
    public Optional<DatasetManifest> withCase(Case c, String now) {
        Optional<Case> old = find(c.name());
        if (old.isPresent() && old.get().imageKey().equals(c.imageKey()) && old.get().labelKey().equals(c.labelKey())
                && old.get().imageSha256().equals(c.imageSha256()) && old.get().labelSha256().equals(c.labelSha256())) {
            return Optional.empty();
        }
        long seq = lastSeq + 1;
        Case stored = new Case(c.name(), c.scanId(), c.imageKey(), c.labelKey(), splitOf(c.name()), c.imageSha256(),
                c.labelSha256(), c.source(), c.labeledAt(), seq);
        List<Case> next = new ArrayList<>(cases.stream().filter(x -> !x.name().equals(c.name())).toList());
        next.add(stored);
        return Optional.of(of(task, seq, next, refused, now));
    }

    /**
     * The manifest without the scan: its case (by scan id) and its refusals dropped; the fingerprint and counts
     * recomputed, {@code last_seq} kept (a deletion adds no case to train on).
     *
     * @return empty when the manifest has nothing of the scan
     */
    public Optional<DatasetManifest> withoutScan(String scanId, String now) {
        List<Case> kept = cases.stream().filter(c -> !c.scanId().equals(scanId)).toList();
        List<Refusal> keptRefused = refused.stream().filter(r -> !scanId.equals(r.scanId())).toList();
        if (kept.size() == cases.size() && keptRefused.size() == refused.size()) {
            return Optional.empty();
        }
        return Optional.of(of(task, lastSeq, kept, keptRefused, now));
    }

    /** The manifest with one more refusal (the oldest dropped beyond {@link #MAX_REFUSED}). */
    public DatasetManifest withRefusal(Refusal r) {
        List<Refusal> next = new ArrayList<>(refused);
        next.add(r);
        while (next.size() > MAX_REFUSED) {
            next.remove(0);
        }
        return new DatasetManifest(task, validationPercent, lastSeq, fingerprint, counts, r.at(), cases, next);
    }

    /** Cases added or corrected after sequence number {@code seq}. */
    public int changedSince(long seq) {
        return (int) cases.stream().filter(c -> c.seq() > seq).count();
    }

    private static DatasetManifest of(String task, long seq, List<Case> cases, List<Refusal> refused, String now) {
        int validation = (int) cases.stream().filter(c -> VALIDATION.equals(c.split())).count();
        return new DatasetManifest(task, CaseSplit.VALIDATION_PERCENT, seq, cases.isEmpty() ? null : fingerprint(cases),
                new Counts(cases.size() - validation, validation), now, cases, refused);
    }

    /**
     * {@link io.liverseg.imaging.dataset.DatasetFingerprint#of} from the recorded hashes: SHA-256 over the cases
     * sorted by name, each its name, a zero byte, and the hex SHA-256 of image and label.
     */
    public static String fingerprint(List<Case> cases) {
        MessageDigest all;
        try {
            all = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (Case c : cases.stream().sorted(Comparator.comparing(Case::name)).toList()) {
            all.update(c.name().getBytes(StandardCharsets.UTF_8));
            all.update((byte) 0);
            all.update(c.imageSha256().getBytes(StandardCharsets.US_ASCII));
            all.update(c.labelSha256().getBytes(StandardCharsets.US_ASCII));
        }
        return "sha256:" + HexFormat.of().formatHex(all.digest());
    }
}
