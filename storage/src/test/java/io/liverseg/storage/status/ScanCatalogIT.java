package io.liverseg.storage.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liverseg.localstack.LocalStack;
import io.liverseg.localstack.LocalStackExtension;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The listing against a real S3 server (S3Proxy from local-stack), with the layout the services write. */
@ExtendWith(LocalStackExtension.class)
class ScanCatalogIT {
    static final String PREPROCESSING = "1".repeat(64);
    static final String INFERRING = "2".repeat(64);
    static final String READY = "3".repeat(64);
    static final String FAILED = "4".repeat(64);
    static final String REFUSED = "5".repeat(64);
    static final Map<String, String> EXPECTED = Map.of(PREPROCESSING, "preprocessing", INFERRING, "inferring",
            READY, "mask_ready", FAILED, "failed", REFUSED, "failed");

    private final ObjectMapper json = new ObjectMapper();
    private ObjectStore store;
    private ScanCatalog catalog;

    @BeforeEach
    void setUp(LocalStack stack) {
        store = new ObjectStore(stack.s3Client(), "scancatalog-it");
        store.ensureBucket();
        store.deleteAll(store.list(""));
        catalog = new ScanCatalog(store, new ScanStatusReader(store, json, List.of("liver")));
        for (String id : List.of(PREPROCESSING, INFERRING, READY, FAILED)) {
            put(ObjectKeys.scanRecord(id), "{\"file_name\":\"" + id.charAt(0) + ".nii.gz\",\"source\":\"upload\"}");
            put(ObjectKeys.image(id, true), "not read");
        }
        put(ObjectKeys.batchPlan(INFERRING, "liver", "7"), "{\"batch_count\":3}");
        put(ObjectKeys.batchPlan(READY, "liver", "7"), "{\"batch_count\":3}");
        put(ObjectKeys.MASKS + READY + "/liver/report.json", "{\"model_version\":\"7\"}");
        put(ObjectKeys.failure(FAILED), "{\"reason\":\"corrupt gzip\",\"stage\":\"preprocess\"}");
        put(ObjectKeys.failure(REFUSED), "{\"reason\":\"not a NIfTI file\",\"stage\":\"ingest\"}");
        put("scans/not-a-scan-id/scan.json", "{}");
    }

    private void put(String key, String text) {
        store.put(key, text.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    @Test
    void everyScanIsListedOnceWithItsStatusNewestRecordFirst() {
        ScanCatalog.Page page = catalog.page(null, ScanCatalog.MAX_LIMIT, null);

        assertThat(page.next()).isNull();
        assertThat(page.scans()).extracting(l -> l.scan().id()).containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
        assertThat(page.scans()).allSatisfy(l -> assertThat(l.scan().status()).isEqualTo(EXPECTED.get(l.scan().id())));
        assertThat(page.scans()).isSortedAccordingTo(Comparator
                .comparing((ScanCatalog.Listed l) -> Instant.parse(l.storedAt())).reversed()
                .thenComparing(l -> l.scan().id()));
        // stored_at is when the record was written, as the store lists it
        Map<String, Instant> stored = store.listEntries(ObjectKeys.SCANS).stream()
                .filter(e -> EXPECTED.keySet().stream().anyMatch(id -> e.key().equals(ObjectKeys.scanRecord(id))
                        || e.key().equals(ObjectKeys.failure(id))))
                .collect(Collectors.toMap(e -> e.key().substring(6, 70), ObjectStore.Entry::lastModified,
                        (record, failure) -> record));
        assertThat(page.scans()).allSatisfy(l -> assertThat(Instant.parse(l.storedAt()))
                .isEqualTo(stored.get(l.scan().id()).truncatedTo(java.time.temporal.ChronoUnit.MILLIS)));
        ScanCatalog.Listed ready = page.scans().stream().filter(l -> l.scan().id().equals(READY)).findFirst()
                .orElseThrow();
        assertThat(ready.scan().fileName()).isEqualTo("3.nii.gz");
        assertThat(ready.scan().tasks().get("liver").batchesDone()).isEqualTo(3);
    }

    @Test
    void pagesFollowTheirCursorsThroughTheSameOrderWithoutRepeatsOrGaps() {
        List<String> all = catalog.page(null, ScanCatalog.MAX_LIMIT, null).scans().stream()
                .map(l -> l.scan().id()).toList();
        List<String> paged = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        String cursor = null;
        do {
            ScanCatalog.Page page = catalog.page(null, 2, cursor);
            page.scans().forEach(l -> paged.add(l.scan().id()));
            sizes.add(page.scans().size());
            cursor = page.next();
        } while (cursor != null);

        assertThat(paged).isEqualTo(all);
        assertThat(sizes).containsExactly(2, 2, 1);
    }

    @Test
    void readingStatusesSeveralAtOnceGivesTheSamePages() {
        ExecutorService pool = Executors.newFixedThreadPool(ScanCatalog.READS_AT_ONCE);
        try {
            ScanCatalog parallel = new ScanCatalog(store, new ScanStatusReader(store, json, List.of("liver")), pool);
            for (String status : java.util.Arrays.asList(null, "failed", "mask_ready")) {
                for (int limit : new int[] {1, 2, 3, ScanCatalog.MAX_LIMIT}) {
                    assertThat(pages(parallel, status, limit)).as(status + " by " + limit)
                            .isEqualTo(pages(catalog, status, limit));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Every page of a listing, each as its ids and its cursor. */
    private static List<String> pages(ScanCatalog c, String status, int limit) {
        List<String> out = new ArrayList<>();
        String cursor = null;
        do {
            ScanCatalog.Page p = c.page(status, limit, cursor);
            out.add(p.scans().stream().map(l -> l.scan().id() + " " + l.scan().status()).toList() + " " + p.next());
            cursor = p.next();
        } while (cursor != null);
        return out;
    }

    @Test
    void aStatusFilterKeepsOnlyThatStatusAndFailedOnesIncludeRefusedUploads() {
        assertThat(catalog.page("failed", 10, null).scans()).extracting(l -> l.scan().id())
                .containsExactlyInAnyOrder(FAILED, REFUSED);
        ScanCatalog.Listed refused = catalog.page("failed", 10, null).scans().stream()
                .filter(l -> l.scan().id().equals(REFUSED)).findFirst().orElseThrow();
        assertThat(refused.scan().reason()).isEqualTo("not a NIfTI file");
        assertThat(catalog.page("mask_ready", 10, null).scans()).extracting(l -> l.scan().id()).containsExactly(READY);
        assertThat(catalog.page("inferring", 10, null).scans()).extracting(l -> l.scan().id())
                .containsExactly(INFERRING);
        assertThat(catalog.page("preprocessing", 10, null).scans()).extracting(l -> l.scan().id())
                .containsExactly(PREPROCESSING);
    }

    @Test
    void theListingSerialisesFlatWithItsStoredTime() {
        JsonNode first = json.valueToTree(catalog.page("mask_ready", 1, null)).get("scans").get(0);

        assertThat(first.get("id").asText()).isEqualTo(READY);
        assertThat(first.get("status").asText()).isEqualTo("mask_ready");
        assertThat(first.get("file_name").asText()).isEqualTo("3.nii.gz");
        assertThat(Instant.parse(first.get("stored_at").asText())).isBefore(Instant.now().plusSeconds(5));
        assertThat(first.has("scan")).isFalse();
    }

    @Test
    void badParametersAreRefusedNamingTheField() {
        assertThatThrownBy(() -> catalog.page("done", 10, null))
                .isInstanceOfSatisfying(ScanCatalog.BadRequestException.class, e -> {
                    assertThat(e.field()).isEqualTo("status");
                    assertThat(e.getMessage()).contains("mask_ready");
                });
        for (int limit : new int[] {0, ScanCatalog.MAX_LIMIT + 1}) {
            assertThatThrownBy(() -> catalog.page(null, limit, null))
                    .isInstanceOfSatisfying(ScanCatalog.BadRequestException.class,
                            e -> assertThat(e.field()).isEqualTo("limit"));
        }
        assertThatThrownBy(() -> catalog.page(null, 10, "page-2"))
                .isInstanceOfSatisfying(ScanCatalog.BadRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("cursor"));
    }
}
