package io.liverseg.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.liverseg.imaging.dataset.CaseSplit;
import io.liverseg.imaging.dataset.DatasetFingerprint;
import io.liverseg.imaging.dataset.LabelledCase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetManifestTest {
    private static final String NOW = "2026-11-26T10:00:00Z";

    private static DatasetManifest.Case c(String name, String image, String label) {
        return new DatasetManifest.Case(name, name, "scans/" + name + "/image.nii.gz", "scans/" + name + "/label.nii.gz",
                null, image, label, "upload", NOW, 0);
    }

    @Test
    void theFingerprintFromRecordedHashesIsTheFingerprintOfTheFiles(@TempDir Path tmp) throws IOException {
        List<LabelledCase> files = new ArrayList<>();
        DatasetManifest m = DatasetManifest.empty("liver");
        for (String name : List.of("b", "a", "c")) {
            Path image = Files.writeString(tmp.resolve(name + "-image"), "image of " + name);
            Path label = Files.writeString(tmp.resolve(name + "-label"), "label of " + name);
            files.add(new LabelledCase(name, image, label));
            m = m.withCase(c(name, DatasetFingerprint.fileHash(image), DatasetFingerprint.fileHash(label)), NOW).orElseThrow();
        }
        assertThat(m.fingerprint()).isEqualTo(DatasetFingerprint.of(files)).startsWith("sha256:");
        assertThat(m.cases()).extracting(DatasetManifest.Case::name).containsExactly("a", "b", "c");
    }

    @Test
    void splitIsTheStableHashSplitAndCountsFollow() {
        DatasetManifest m = DatasetManifest.empty("liver");
        List<String> names = IntStream.range(0, 50).mapToObj(i -> String.format("%064x", i * 7919L)).toList();
        for (String n : names) {
            m = m.withCase(c(n, "i" + n, "l" + n), NOW).orElseThrow();
        }
        for (DatasetManifest.Case x : m.cases()) {
            assertThat(x.split()).isEqualTo(CaseSplit.isValidation(x.name()) ? "validation" : "training");
        }
        long validation = names.stream().filter(CaseSplit::isValidation).count();
        assertThat(validation).isBetween(3L, 20L);
        assertThat(m.counts()).isEqualTo(new DatasetManifest.Counts(50 - (int) validation, (int) validation));
        assertThat(m.lastSeq()).isEqualTo(50);
    }

    @Test
    void aRedeliveryChangesNothingAndACorrectionReplacesTheLabelWithANewSequenceNumber() {
        DatasetManifest m = DatasetManifest.empty("liver").withCase(c("a", "i", "l1"), NOW).orElseThrow()
                .withCase(c("b", "j", "m"), NOW).orElseThrow();
        String before = m.fingerprint();

        assertThat(m.withCase(c("a", "i", "l1"), NOW)).isEmpty();

        DatasetManifest corrected = m.withCase(new DatasetManifest.Case("a", "a", "scans/a/image.nii.gz",
                "scans/a/label.nii", null, "i", "l2", "correction", NOW, 0), NOW).orElseThrow();
        assertThat(corrected.cases()).hasSize(2);
        DatasetManifest.Case a = corrected.find("a").orElseThrow();
        assertThat(a.labelSha256()).isEqualTo("l2");
        assertThat(a.labelKey()).isEqualTo("scans/a/label.nii");
        assertThat(a.source()).isEqualTo("correction");
        assertThat(a.seq()).isEqualTo(3);
        assertThat(corrected.fingerprint()).isNotEqualTo(before);
        assertThat(corrected.changedSince(2)).isEqualTo(1);
        assertThat(corrected.changedSince(0)).isEqualTo(2);
    }

    @Test
    void refusalsAreKeptUpToALimitNewestLast() {
        DatasetManifest m = DatasetManifest.empty("liver");
        for (int i = 0; i < DatasetManifest.MAX_REFUSED + 5; i++) {
            m = m.withRefusal(new DatasetManifest.Refusal("s" + i, "k", "dim", "dims differ " + i, NOW));
        }
        assertThat(m.refused()).hasSize(DatasetManifest.MAX_REFUSED);
        assertThat(m.refused().get(m.refused().size() - 1).reason()).isEqualTo("dims differ " + (DatasetManifest.MAX_REFUSED + 4));
        assertThat(m.cases()).isEmpty();
    }

    @Test
    void aDeletedScanLeavesWithItsRefusalsAndTheFingerprintIsThatOfTheRest() {
        DatasetManifest m = DatasetManifest.empty("liver").withCase(c("a", "i", "l"), NOW).orElseThrow()
                .withCase(c("b", "j", "m"), NOW).orElseThrow()
                .withRefusal(new DatasetManifest.Refusal("b", "scans/b/label.nii.gz", "dim", "dims differ", NOW))
                .withRefusal(new DatasetManifest.Refusal("x", "scans/x/label.nii.gz", "dim", "dims differ", NOW));
        DatasetManifest onlyA = DatasetManifest.empty("liver").withCase(c("a", "i", "l"), NOW).orElseThrow();

        DatasetManifest without = m.withoutScan("b", "2026-11-27T10:00:00Z").orElseThrow();

        assertThat(without.cases()).extracting(DatasetManifest.Case::name).containsExactly("a");
        assertThat(without.refused()).extracting(DatasetManifest.Refusal::scanId).containsExactly("x");
        assertThat(without.fingerprint()).isEqualTo(onlyA.fingerprint()).isNotEqualTo(m.fingerprint());
        assertThat(without.counts().training() + without.counts().validation()).isEqualTo(1);
        assertThat(without.lastSeq()).isEqualTo(m.lastSeq());
        assertThat(without.updatedAt()).isEqualTo("2026-11-27T10:00:00Z");
        assertThat(without.withoutScan("b", NOW)).isEmpty();
        assertThat(without.withoutScan("a", NOW).orElseThrow().fingerprint()).isNull();
    }

    @Test
    void theManifestRoundTripsThroughItsSnakeCaseJson() {
        DatasetManifest m = DatasetManifest.empty("liver").withCase(c("a", "i", "l"), NOW).orElseThrow();
        String json = new String(Json.write(m), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(json).contains("\"last_seq\"", "\"image_sha256\"", "\"label_key\"", "\"validation_percent\"");
        assertThat(Json.read(Json.write(m), DatasetManifest.class)).isEqualTo(m);
    }
}
