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
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Model packages in the bucket, per task: {@code models/{task}/{version}/} holds a package's files (model.json
 * and its weights) and {@code models/{task}/champion.json} names the version that serves the task. The
 * registry treats model.json as opaque apart from its {@code version}; loading and validating is the model
 * module's job.
 */
public final class ModelRegistry {
    /** The package file whose presence makes a version complete: it is uploaded last. */
    public static final String MANIFEST = "model.json";

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
        Path manifestFile = packageDir.resolve(MANIFEST);
        byte[] manifest = Files.readAllBytes(manifestFile);
        String version = parse(manifest).path("version").asText("");
        if (version.isEmpty()) {
            throw new IOException(manifestFile + ": field version: missing");
        }
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

    /** Makes an existing version the champion of its task. */
    public Champion promote(String task, String version, String reason) {
        if (manifest(task, version).isEmpty()) {
            throw new IllegalArgumentException("model " + task + " version " + version + " is not in the registry");
        }
        String previous = champion(task).map(Champion::version).orElse(null);
        Champion c = new Champion(version, previous, reason, Instant.now().toString());
        ObjectNode n = JSON.createObjectNode();
        n.put("version", c.version());
        n.put("previous_version", c.previousVersion());
        n.put("reason", c.reason());
        n.put("promoted_at", c.promotedAt());
        store.put(ObjectKeys.champion(task), n.toPrettyString().getBytes(StandardCharsets.UTF_8), "application/json");
        return c;
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
