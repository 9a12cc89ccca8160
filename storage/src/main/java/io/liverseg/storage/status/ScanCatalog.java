package io.liverseg.storage.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scans the bucket knows, most recently stored first, a page at a time, each with its status: what an
 * operator asks for first ("what came in, what failed"). Like {@link ScanStatusReader} it keeps no state, so it
 * survives restarts and every instance answers the same.
 *
 * <p>A scan is known by {@code scans/{id}/scan.json} (stored) or {@code scans/{id}/failed.json} alone (refused
 * before anything was stored, e.g. a corrupt object put into {@code incoming/}). Its place in the order is the
 * time its scan.json was last written (failed.json's when there is none), newest first, ties by id: one listing
 * of {@code scans/}, no object read. So a label added later moves a scan up. Scans are then read one by one for
 * their status (with an executor, several at once), and a status filter is applied to what was read;
 * {@code failed} needs no read to filter, as it is the presence of failed.json. At most {@link #MAX_EXAMINED}
 * scans are read per page, so a filter that matches few scans answers in bounded time and says where to go on
 * ({@link Page#next()}).
 */
public final class ScanCatalog {
    /** The statuses a listing can be filtered by (those {@link ScanStatus#derive} gives). */
    public static final Set<String> STATUSES = Set.of(ScanStatus.PREPROCESSING, ScanStatus.INFERRING,
            ScanStatus.MASK_READY, ScanStatus.FAILED);
    /** Largest page. */
    public static final int MAX_LIMIT = 200;
    /** Scans whose status one page reads at most, matching the filter or not. */
    public static final int MAX_EXAMINED = 500;

    private static final Pattern CURSOR = Pattern.compile("(\\d{1,19})-([0-9a-f]{64})");
    private static final Comparator<Known> ORDER = Comparator.comparing(Known::storedAt).reversed()
            .thenComparing(Known::id);

    /** Statuses read at once when an executor is given: each is a few small S3 requests, mostly waiting. */
    public static final int READS_AT_ONCE = 8;

    private final ObjectStore store;
    private final ScanStatusReader reader;
    private final Executor executor;
    private final int readsAtOnce;

    /** Reads the scans' statuses one after the other, in the calling thread. */
    public ScanCatalog(ObjectStore store, ScanStatusReader reader) {
        this(store, reader, Runnable::run, 1);
    }

    /**
     * @param executor runs the status reads of a page, up to {@link #READS_AT_ONCE} (or the rest of the page) at
     *                 once; it should have that many threads
     */
    public ScanCatalog(ObjectStore store, ScanStatusReader reader, Executor executor) {
        this(store, reader, executor, READS_AT_ONCE);
    }

    private ScanCatalog(ObjectStore store, ScanStatusReader reader, Executor executor, int readsAtOnce) {
        this.store = Objects.requireNonNull(store, "store");
        this.reader = Objects.requireNonNull(reader, "reader");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.readsAtOnce = readsAtOnce;
    }

    /** A scan of the listing: its status and when its record was stored. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Listed(@JsonProperty("stored_at") String storedAt, @JsonUnwrapped ScanStatus scan) {
    }

    /**
     * One page.
     *
     * @param scans the scans, newest first
     * @param next  the cursor of the next page, or null when the listing ends here
     */
    public record Page(List<Listed> scans, String next) {
    }

    /** A scan id and when its record was stored, as the listing of {@code scans/} shows them. */
    record Known(String id, Instant storedAt, boolean failed) {
        String cursor() {
            return storedAt.toEpochMilli() + "-" + id;
        }
    }

    /** A request's parameter that cannot be used; {@link #field()} names it. */
    public static final class BadRequestException extends IllegalArgumentException {
        private final String field;

        BadRequestException(String field, String message) {
            super(message);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    /**
     * The page after {@code cursor} (null: the first).
     *
     * @param status null for every scan, else one of {@link #STATUSES}
     * @param limit  1 to {@link #MAX_LIMIT}
     * @param cursor a previous page's {@link Page#next()}, or null
     * @throws BadRequestException naming {@code status}, {@code limit} or {@code cursor}
     */
    public Page page(String status, int limit, String cursor) {
        if (status != null && !STATUSES.contains(status)) {
            throw new BadRequestException("status", "status '" + status + "' is not one of "
                    + STATUSES.stream().sorted().toList());
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new BadRequestException("limit", "limit must be 1 to " + MAX_LIMIT + ", got " + limit);
        }
        Optional<Known> after = parseCursor(cursor);
        List<Known> todo = after(order(store.listEntries(ObjectKeys.SCANS)), after.orElse(null));
        if (ScanStatus.FAILED.equals(status)) {
            // failed is failed.json's presence: no read needed to drop the others
            todo = todo.stream().filter(Known::failed).toList();
        }
        List<Listed> out = new ArrayList<>();
        int i = 0;
        while (i < todo.size() && out.size() < limit && i < MAX_EXAMINED) {
            int n = Math.min(Math.max(limit - out.size(), readsAtOnce), Math.min(todo.size(), MAX_EXAMINED) - i);
            List<Known> batch = todo.subList(i, i + n);
            List<CompletableFuture<Optional<ScanStatus>>> reads = batch.stream()
                    .map(k -> CompletableFuture.supplyAsync(() -> reader.status(k.id()), executor))
                    .toList();
            for (int j = 0; j < n; j++) {
                // a scan deleted since the listing has no status any more
                Optional<ScanStatus> s = join(reads.get(j));
                if (s.isPresent() && (status == null || status.equals(s.get().status()))) {
                    out.add(new Listed(batch.get(j).storedAt().toString(), s.get()));
                }
                i++;
                if (out.size() == limit) {
                    break;
                }
            }
        }
        // the cursor resumes after the last scan this page passed
        return new Page(out, i < todo.size() ? todo.get(i - 1).cursor() : null);
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** The scans of a listing of {@code scans/}, newest first (ties by id). */
    static List<Known> order(List<ObjectStore.Entry> entries) {
        Map<String, Instant> records = new HashMap<>();
        Map<String, Instant> failures = new HashMap<>();
        for (ObjectStore.Entry e : entries) {
            if (!e.key().startsWith(ObjectKeys.SCANS)) {
                continue;
            }
            String rest = e.key().substring(ObjectKeys.SCANS.length());
            int slash = rest.indexOf('/');
            if (slash < 0 || !ObjectKeys.isScanId(rest.substring(0, slash))) {
                continue;
            }
            String id = rest.substring(0, slash);
            if (e.key().equals(ObjectKeys.scanRecord(id))) {
                records.put(id, e.lastModified().truncatedTo(ChronoUnit.MILLIS));
            } else if (e.key().equals(ObjectKeys.failure(id))) {
                failures.put(id, e.lastModified().truncatedTo(ChronoUnit.MILLIS));
            }
        }
        List<Known> out = new ArrayList<>();
        records.forEach((id, t) -> out.add(new Known(id, t, failures.containsKey(id))));
        failures.forEach((id, t) -> {
            if (!records.containsKey(id)) {
                out.add(new Known(id, t, true));
            }
        });
        out.sort(ORDER);
        return out;
    }

    /** The scans ordered after {@code cursor} (all of them when it is null). */
    static List<Known> after(List<Known> ordered, Known cursor) {
        if (cursor == null) {
            return ordered;
        }
        List<Known> out = new ArrayList<>();
        for (Known k : ordered) {
            if (ORDER.compare(k, cursor) > 0) {
                out.add(k);
            }
        }
        return out;
    }

    /** A cursor {@code <epoch ms>-<scan id>} as {@link Known#cursor()} makes it; empty for null. */
    static Optional<Known> parseCursor(String cursor) {
        if (cursor == null) {
            return Optional.empty();
        }
        Matcher m = CURSOR.matcher(cursor);
        if (!m.matches()) {
            throw new BadRequestException("cursor", "cursor '" + cursor + "' is not one a listing gave (next)");
        }
        try {
            return Optional.of(new Known(m.group(2), Instant.ofEpochMilli(Long.parseLong(m.group(1))), false));
        } catch (NumberFormatException e) {
            throw new BadRequestException("cursor", "cursor '" + cursor + "' is not one a listing gave (next)");
        }
    }
}
