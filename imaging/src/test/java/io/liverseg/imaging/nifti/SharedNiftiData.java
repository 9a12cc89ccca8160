package io.liverseg.imaging.nifti;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the shared NIfTI conformance vectors ({@code <shared>/data/nifti}), which live beside the project
 * and are never copied into it: the {@code liverseg.shared.dir} system property (set by the Maven build),
 * else {@code ../shared} next to the project root.
 */
final class SharedNiftiData {
    private SharedNiftiData() {
    }

    /** The data folder, or an aborted (skipped) test when it is not there. */
    static Path dir() {
        Path dir = locate();
        assumeTrue(Files.isRegularFile(dir.resolve("facts.md")), "shared conformance data not found at " + dir);
        return dir;
    }

    static Path file(String relative) {
        Path f = dir().resolve(relative);
        assumeTrue(Files.isRegularFile(f), "shared conformance file not found: " + f);
        return f;
    }

    private static Path locate() {
        String prop = System.getProperty("liverseg.shared.dir");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop).resolve("data/nifti").toAbsolutePath().normalize();
        }
        Path root = Path.of("").toAbsolutePath();
        for (Path p = root; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("mvnw")) && Files.exists(p.resolve("imaging"))) {
                root = p;
                break;
            }
        }
        return root.resolve("../shared/data/nifti").toAbsolutePath().normalize();
    }
}
