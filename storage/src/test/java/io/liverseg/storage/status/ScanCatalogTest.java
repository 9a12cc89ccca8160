package io.liverseg.storage.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liverseg.storage.ObjectStore;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScanCatalogTest {
    static final String A = "a".repeat(64);
    static final String B = "b".repeat(64);
    static final String C = "c".repeat(64);
    static final String D = "d".repeat(64);
    static final Instant T = Instant.parse("2026-11-28T10:00:00.123Z");

    private static ObjectStore.Entry entry(String key, long secondsAfterT) {
        return new ObjectStore.Entry(key, 10, T.plusSeconds(secondsAfterT));
    }

    @Test
    void scansAreOrderedByTheirRecordNewestFirstTiesById() {
        List<ScanCatalog.Known> order = ScanCatalog.order(List.of(
                entry("scans/" + A + "/scan.json", 5),
                entry("scans/" + A + "/image.nii.gz", 50), // the image's time does not count
                entry("scans/" + B + "/scan.json", 9),
                entry("scans/" + C + "/scan.json", 5),
                entry("scans/" + C + "/failed.json", 60), // the record's time counts, the failure marks it
                entry("scans/" + D + "/failed.json", 7), // refused before anything was stored
                entry("scans/not-a-scan/scan.json", 99),
                entry("scans/" + A + "/deeper/scan.json", 99)));

        assertThat(order).extracting(ScanCatalog.Known::id).containsExactly(B, D, A, C);
        assertThat(order).extracting(ScanCatalog.Known::failed).containsExactly(false, true, false, true);
        assertThat(order.get(0).storedAt()).isEqualTo(T.plusSeconds(9));
    }

    @Test
    void aCursorResumesRightAfterTheScanItNames() {
        List<ScanCatalog.Known> order = ScanCatalog.order(List.of(entry("scans/" + A + "/scan.json", 5),
                entry("scans/" + B + "/scan.json", 9), entry("scans/" + C + "/scan.json", 5)));
        ScanCatalog.Known first = order.get(0);
        ScanCatalog.Known second = order.get(1);

        ScanCatalog.Known cursor = ScanCatalog.parseCursor(first.cursor()).orElseThrow();
        assertThat(ScanCatalog.after(order, cursor)).extracting(ScanCatalog.Known::id).containsExactly(A, C);
        // within the same millisecond the id decides
        cursor = ScanCatalog.parseCursor(second.cursor()).orElseThrow();
        assertThat(second.id()).isEqualTo(A);
        assertThat(ScanCatalog.after(order, cursor)).extracting(ScanCatalog.Known::id).containsExactly(C);
        assertThat(ScanCatalog.after(order, null)).isEqualTo(order);
        assertThat(ScanCatalog.parseCursor(null)).isEmpty();
    }

    @Test
    void aCursorNotMadeByAListingIsRefusedNamingTheField() {
        for (String bad : List.of("", "abc", "12-" + "A".repeat(64), "-1-" + A, "99999999999999999999-" + A)) {
            assertThatThrownBy(() -> ScanCatalog.parseCursor(bad))
                    .isInstanceOfSatisfying(ScanCatalog.BadRequestException.class,
                            e -> assertThat(e.field()).isEqualTo("cursor"));
        }
    }
}
