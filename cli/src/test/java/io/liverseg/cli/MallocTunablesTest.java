package io.liverseg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.liverseg.model.DjlEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * glibc reads its malloc tunables before Java starts, so the places that start model JVMs set them, and must set
 * the value {@link DjlEnvironment#MALLOC_TUNABLES} documents.
 */
class MallocTunablesTest {

    private static final Path ROOT = Path.of("..");

    @Test
    void theLauncherExportsThemUnlessTheEnvironmentHasAValue() throws IOException {
        String script = Files.readString(ROOT.resolve("liverseg"));
        // ${VAR-default}, not ${VAR:-default}: an explicitly empty GLIBC_TUNABLES turns the tuning off
        assertThat(script).contains("malloc_tunables=\"" + DjlEnvironment.MALLOC_TUNABLES + "\"\n")
                .contains("export GLIBC_TUNABLES=\"${GLIBC_TUNABLES-$malloc_tunables}\"");
        assertThat(script.indexOf("export GLIBC_TUNABLES")).isLessThan(script.indexOf("exec java"));
        // training's passes are larger than inference's and were not measured with it
        assertThat(script).contains("train|average) ;;");
    }

    @Test
    void theCliIntegrationTestsRunWithThem() throws IOException {
        assertThat(Files.readString(ROOT.resolve("cli/pom.xml")))
                .contains("<GLIBC_TUNABLES>" + DjlEnvironment.MALLOC_TUNABLES + "</GLIBC_TUNABLES>");
    }

    @Test
    void theInferenceImageSetsThem() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("inference-service/src/main/docker/Dockerfile.jvm"));
        assertThat(dockerfile).contains("ENV GLIBC_TUNABLES=\"" + DjlEnvironment.MALLOC_TUNABLES + "\"");
    }
}
