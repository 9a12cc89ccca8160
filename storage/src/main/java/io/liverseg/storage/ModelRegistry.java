package io.liverseg.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Model packages in the bucket, per task: {@code models/{task}/{version}/} holds a package's files (model.json
 * and its weights) and {@code models/{task}/champion.json} names the version that serves the task. The
 * registry treats model.json as opaque apart from its {@code version}; loading and validating is the model
 * module's job.
 *
 * <p>Lifecycle: every version has a status ({@link #CHAMPION}, {@link #CANDIDATE}, {@link #REJECTED},
 * {@link #RETIRED}) with metrics in {@code registry/{task}/versions/{version}.json}, and every champion change
 * (seed, promotion, rollback, manual) is recorded in {@code registry/{task}/history/}. champion.json stays the
 * one source of truth of which version serves: a version is champion exactly when champion.json names it,
 * whatever its record says (so a crash between the switch and the records cannot leave two champions).
 */
public final class ModelRegistry {
    /** The package file whose presence makes a version complete: it is uploaded last. */
    public static final String MANIFEST = "model.json";

    /** Status of the version champion.json names. */
    public static final String CHAMPION = "champion";
    /** Published, not (yet) promoted: the default of a version without a record. */
    public static final String CANDIDATE = "candidate";
    /** Evaluated and not promoted (did not beat the champion). */
    public static final String REJECTED = "rejected";
    /** Was champion and was replaced. */
    public static final String RETIRED = "retired";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectStore store;

    public ModelRegistry(ObjectStore store) {
        this.store = store;
    }

    /**
     * The serving version of a task.
     *
     * @param version         the champion's version
     * @param previousVersion the champion before it, or null
     * @param reason          why it changed: seed, promotion, rollback, manual
     * @param promotedAt      ISO-8601 instant
     */
    public record Champion(String version, String previousVersion, String reason, String promotedAt) {
    }

    /**
     * A version's place in the lifecycle.
     *
     * @param task      the task
     * @param version   the version
     * @param status    {@link #CHAMPION}, {@link #CANDIDATE}, {@link #REJECTED} or {@link #RETIRED}
     * @param reason    why it has this status (one line for humans), or null
     * @param metrics   numbers behind the status (validation and evaluation Dice, ...), never null
     * @param updatedAt ISO-8601 instant of the last change, or null for a version without a record
     */
    public record VersionStatus(String task, String version, String status, String reason, Map<String, Double> metrics,
                                String updatedAt) {
        public VersionStatus {
            metrics = metrics == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        }
    }

    /**
     * One champion change.
     *
     * @param task            the task
     * @param version         the new champion
     * @param previousVersion the champion before, or null
     * @param reason          seed, promotion, rollback, manual
     * @param note            one line for humans (who or what decided, the numbers), or null
     * @param metrics         the numbers the decision was made on, never null
     * @param at              ISO-8601 instant
     */
    public record HistoryEntry(String task, String version, String previousVersion, String reason, String note,
                               Map<String, Double> metrics, String at) {
        public HistoryEntry {
            metrics = metrics == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        }
    }

    /** Versions with a complete package (model.json present), numeric versions in numeric order. */
    public List<String> versions(String task) {
        String prefix = ObjectKeys.MODELS + ObjectKeys.requireName("task", task) + "/";
        TreeSet<String> versions = new TreeSet<>(VERSION_ORDER);
        for (String key : store.list(prefix)) {
            String rest = key.substring(prefix.length());
            int slash = rest.indexOf('/');
            if (slash > 0 && rest.substring(slash + 1).equals(MANIFEST)) {
                versions.add(rest.substring(0, slash));
            }
        }
        return new ArrayList<>(versions);
    }

    /** The bucket the registry lives in. */
    public String bucket() {
        return store.bucket();
    }

    /** The next integer version of a task: one more than its highest numeric version, "1" for none. */
    public String nextVersion(String task) {
        long max = 0;
        for (String v : versions(task)) {
            if (!v.isEmpty() && v.length() < 19 && v.chars().allMatch(Character::isDigit)) {
                max = Math.max(max, Long.parseLong(v));
            }
        }
        return Long.toString(max + 1);
    }

    /** model.json of a version, or empty when the version does not exist. */
    public Optional<JsonNode> manifest(String task, String version) {
        return store.get(ObjectKeys.modelPrefix(task, version) + MANIFEST).map(ModelRegistry::parse);
    }

    public Optional<Champion> champion(String task) {
        return store.get(ObjectKeys.champion(task)).map(b -> {
            JsonNode n = parse(b);
            return new Champion(n.path("version").asText(), n.hasNonNull("previous_version")
                    ? n.get("previous_version").asText() : null, n.path("reason").asText(), n.path("promoted_at").asText());
        });
    }

    /**
     * Uploads a package directory (its top-level files; model.json last, so a version is never visible
     * half-uploaded). Idempotent: a version already present with the same model.json is left alone; a
     * different package under an existing version is refused.
     *
     * @return the version, read from model.json
     */
    public String publish(String task, Path packageDir) throws IOException {
        byte[] manifest = Files.readAllBytes(packageDir.resolve(MANIFEST));
        String version = packageVersion(packageDir);
        String prefix = ObjectKeys.modelPrefix(task, version);
        Optional<byte[]> existing = store.get(prefix + MANIFEST);
        if (existing.isPresent()) {
            if (!java.util.Arrays.equals(existing.get(), manifest)) {
                throw new IOException("model " + task + " version " + version
                        + " is already in the registry with a different model.json; give the package a new version");
            }
            return version;
        }
        try (Stream<Path> files = Files.list(packageDir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = f.getFileName().toString();
                if (!name.equals(MANIFEST) && !name.endsWith(".tmp")) {
                    store.putFile(prefix + name, f, "application/octet-stream");
                }
            }
        }
        store.put(prefix + MANIFEST, manifest, "application/json");
        return version;
    }

    /** The version a package directory declares in its model.json. */
    public static String packageVersion(Path packageDir) throws IOException {
        Path manifestFile = packageDir.resolve(MANIFEST);
        String version = parse(Files.readAllBytes(manifestFile)).path("version").asText("");
        if (version.isEmpty()) {
            throw new IOException(manifestFile + ": field version: missing");
        }
        return version;
    }

    /** Makes an existing version the champion of its task (recorded in the history, the previous one retired). */
    public Champion promote(String task, String version, String reason) {
        return promote(task, version, reason, null, null);
    }

    /**
     * Makes an existing version the champion of its task: champion.json first (the switch readers see), then
     * the new champion's status record, the previous champion's ({@link #RETIRED}) and a history entry.
     *
     * @param reason  seed, promotion, rollback, manual
     * @param note    one line for humans, or null
     * @param metrics the numbers behind the decision (merged into the version's record), or null
     */
    public Champion promote(String task, String version, String reason, String note, Map<String, Double> metrics) {
        if (manifest(task, version).isEmpty()) {
            throw new IllegalArgumentException("model " + task + " version " + version + " is not in the registry");
        }
        String previous = champion(task).map(Champion::version).orElse(null);
        Instant now = Instant.now();
        Champion c = new Champion(version, previous, reason, now.toString());
        ObjectNode n = JSON.createObjectNode();
        n.put("version", c.version());
        n.put("previous_version", c.previousVersion());
        n.put("reason", c.reason());
        n.put("promoted_at", c.promotedAt());
        store.put(ObjectKeys.champion(task), n.toPrettyString().getBytes(StandardCharsets.UTF_8), "application/json");
        String why = reason + (note == null || note.isBlank() ? "" : ": " + note);
        writeStatus(task, version, CHAMPION, why, merged(task, version, metrics), now);
        if (previous != null && !previous.equals(version)) {
            writeStatus(task, previous, RETIRED, "replaced by version " + version + " (" + reason + ")",
                    merged(task, previous, null), now);
        }
        ObjectNode h = JSON.createObjectNode();
        h.put("task", task);
        h.put("version", version);
        h.put("previous_version", previous);
        h.put("reason", reason);
        h.put("note", note);
        h.set("metrics", JSON.valueToTree(metrics == null ? Map.of() : metrics));
        h.put("at", now.toString());
        store.put(ObjectKeys.modelHistoryEntry(task, now, version), h.toPrettyString().getBytes(StandardCharsets.UTF_8),
                "application/json");
        return c;
    }

    /**
     * Records a version's status other than champion (which only {@link #promote} gives).
     *
     * @param status  {@link #CANDIDATE}, {@link #REJECTED} or {@link #RETIRED}
     * @param metrics merged into the version's recorded metrics (same names replaced), or null
     */
    public VersionStatus mark(String task, String version, String status, String reason, Map<String, Double> metrics) {
        if (!List.of(CANDIDATE, REJECTED, RETIRED).contains(status)) {
            throw new IllegalArgumentException("status must be candidate, rejected or retired (champion only through"
                    + " promote): " + status);
        }
        if (manifest(task, version).isEmpty()) {
            throw new IllegalArgumentException("model " + task + " version " + version + " is not in the registry");
        }
        if (champion(task).map(Champion::version).filter(version::equals).isPresent()) {
            throw new IllegalStateException("model " + task + " version " + version + " is the champion; promote"
                    + " another version first");
        }
        return writeStatus(task, version, status, reason, merged(task, version, metrics), Instant.now());
    }

    /** The status of a version, or empty when the version is not in the registry. */
    public Optional<VersionStatus> status(String task, String version) {
        if (manifest(task, version).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(status(task, version, champion(task).map(Champion::version).orElse(null)));
    }

    /** The status of every version of a task, in version order. */
    public List<VersionStatus> statuses(String task) {
        String champion = champion(task).map(Champion::version).orElse(null);
        List<VersionStatus> out = new ArrayList<>();
        for (String v : versions(task)) {
            out.add(status(task, v, champion));
        }
        return out;
    }

    /** Every champion change of a task, oldest first. */
    public List<HistoryEntry> history(String task) {
        List<HistoryEntry> out = new ArrayList<>();
        for (String key : store.list(ObjectKeys.modelHistoryPrefix(task))) {
            store.get(key).map(ModelRegistry::parse).ifPresent(n -> out.add(new HistoryEntry(n.path("task").asText(task),
                    n.path("version").asText(), text(n, "previous_version"), text(n, "reason"), text(n, "note"),
                    doubles(n.path("metrics")), text(n, "at"))));
        }
        return out;
    }

    /** champion.json decides who is champion; a stale "champion" record of a replaced version reads as retired. */
    private VersionStatus status(String task, String version, String champion) {
        Optional<JsonNode> rec = store.get(ObjectKeys.modelStatus(task, version)).map(ModelRegistry::parse);
        String stored = rec.map(n -> n.path("status").asText(CANDIDATE)).orElse(CANDIDATE);
        String status = version.equals(champion) ? CHAMPION : CHAMPION.equals(stored) ? RETIRED : stored;
        return new VersionStatus(task, version, status, rec.map(n -> text(n, "reason")).orElse(null),
                rec.map(n -> doubles(n.path("metrics"))).orElse(Map.of()), rec.map(n -> text(n, "updated_at")).orElse(null));
    }

    private Map<String, Double> merged(String task, String version, Map<String, Double> metrics) {
        Map<String, Double> m = new LinkedHashMap<>(store.get(ObjectKeys.modelStatus(task, version))
                .map(b -> doubles(parse(b).path("metrics"))).orElse(Map.of()));
        if (metrics != null) {
            m.putAll(metrics);
        }
        return m;
    }

    private VersionStatus writeStatus(String task, String version, String status, String reason,
                                      Map<String, Double> metrics, Instant at) {
        VersionStatus v = new VersionStatus(task, version, status, reason, metrics, at.toString());
        ObjectNode n = JSON.createObjectNode();
        n.put("task", task);
        n.put("version", version);
        n.put("status", status);
        n.put("reason", reason);
        n.set("metrics", JSON.valueToTree(v.metrics()));
        n.put("updated_at", v.updatedAt());
        store.put(ObjectKeys.modelStatus(task, version), n.toPrettyString().getBytes(StandardCharsets.UTF_8),
                "application/json");
        return v;
    }

    private static String text(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asText() : null;
    }

    private static Map<String, Double> doubles(JsonNode n) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (n != null && n.isObject()) {
            n.properties().forEach(e -> {
                if (e.getValue().isNumber()) {
                    m.put(e.getKey(), e.getValue().asDouble());
                }
            });
        }
        return m;
    }

    /**
     * Seeds every package folder of a directory (a folder holding model.json; the repository's {@code models/}):
     * folder {@code vessel} → task {@code vessels}, any other folder name is the task. Idempotent like
     * {@link #seed(String, Path)}. A {@code dir} that is not a directory seeds nothing.
     *
     * @return the champion of each seeded task, by task
     */
    public Map<String, Champion> seedAll(Path dir) throws IOException {
        Map<String, Champion> champions = new LinkedHashMap<>();
        for (Map.Entry<String, Path> p : seedPackages(dir).entrySet()) {
            champions.put(p.getKey(), seed(p.getKey(), p.getValue()));
        }
        return champions;
    }

    /**
     * The package folders of a directory (each holding model.json) by the task {@link #seedAll} seeds them as, in
     * folder-name order; empty when {@code dir} is not a directory.
     */
    public static Map<String, Path> seedPackages(Path dir) throws IOException {
        Map<String, Path> packages = new LinkedHashMap<>();
        if (!Files.isDirectory(dir)) {
            return packages;
        }
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> Files.isRegularFile(p.resolve(MANIFEST))).sorted()
                    .forEach(p -> packages.put(taskForSeedFolder(p.getFileName().toString()), p));
        }
        return packages;
    }

    /** Seed folder name → task: {@code vessel} (the package folder's name) → {@code vessels}. */
    public static String taskForSeedFolder(String folder) {
        return "vessel".equals(folder) ? "vessels" : folder;
    }

    /**
     * Publishes a package and makes it the champion when the task has none yet (first start of a fresh
     * bucket). Returns the champion after the call.
     */
    public Champion seed(String task, Path packageDir) throws IOException {
        Optional<Champion> current = champion(task);
        if (current.isPresent()) {
            return current.get();
        }
        String version = publish(task, packageDir);
        return promote(task, version, "seed");
    }

    /**
     * A local copy of a version under {@code cacheRoot/{task}/{version}/}, downloaded once and moved into
     * place whole, so concurrent readers never see a partial package.
     */
    public Path fetch(String task, String version, Path cacheRoot) throws IOException {
        Path dir = cacheRoot.resolve(ObjectKeys.requireName("task", task)).resolve(ObjectKeys.requireName("version", version));
        if (Files.isRegularFile(dir.resolve(MANIFEST))) {
            return dir;
        }
        String prefix = ObjectKeys.modelPrefix(task, version);
        List<String> keys = store.list(prefix);
        if (!keys.contains(prefix + MANIFEST)) {
            throw new IOException("model " + task + " version " + version + " is not in the registry (bucket "
                    + store.bucket() + ", prefix " + prefix + ")");
        }
        Files.createDirectories(dir.getParent());
        Path tmp = Files.createTempDirectory(dir.getParent(), version + ".download-");
        try {
            for (String key : keys) {
                String name = key.substring(prefix.length());
                if (!name.contains("/")) {
                    store.download(key, tmp.resolve(name));
                }
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!Files.isRegularFile(dir.resolve(MANIFEST))) {
                    throw e;
                }
                // Another fetch of the same version won the race; its copy is identical.
            }
        } finally {
            deleteTree(tmp);
        }
        return dir;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }

    private static JsonNode parse(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Numeric versions by value ("2" before "10"), then anything else by text. */
    static final Comparator<String> VERSION_ORDER = (a, b) -> {
        boolean na = a.chars().allMatch(Character::isDigit);
        boolean nb = b.chars().allMatch(Character::isDigit);
        if (na && nb) {
            int c = Integer.compare(a.length(), b.length());
            return c != 0 ? c : a.compareTo(b);
        }
        if (na != nb) {
            return na ? -1 : 1;
        }
        return a.compareTo(b);
    };
}
