package io.liverseg.model;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import java.net.URI;
import java.net.URL;
import org.junit.jupiter.api.Test;

class DjlEnvironmentTest {

    @Test
    void initForcesOfflineModeEvenIfSomeoneTurnedItOff() {
        System.setProperty(DjlEnvironment.OFFLINE, "false");
        DjlEnvironment.init();
        assertThat(System.getProperty(DjlEnvironment.OFFLINE)).isEqualTo("true");
    }

    @Test
    void initLimitsTheInteropPoolUnlessConfigured() {
        DjlEnvironment.init();
        assertThat(System.getProperty(DjlEnvironment.NUM_INTEROP_THREADS)).isNotNull();
    }

    @Test
    void putsAPassiveOpenMpWaitPolicyIntoTheNativeEnvironmentUnlessOneIsSet() {
        DjlEnvironment.init();
        String fromEnvironment = System.getenv("OMP_WAIT_POLICY");
        assertThat(DjlEnvironment.nativeOmpWaitPolicy())
                .isEqualTo(fromEnvironment != null ? fromEnvironment : "PASSIVE");
    }

    @Test
    void loadsThePyTorchEngineOfTheBundledNatives() {
        Engine engine = DjlEnvironment.engine();
        assertThat(engine.getEngineName()).isEqualTo("PyTorch");
        // The version of the pytorch-native-cpu jar pinned in model/pom.xml: the natives came from the
        // classpath, not from a download of some other build.
        assertThat(engine.getVersion()).startsWith("2.7.1");
    }

    @Test
    void theTestGuardMakesAnyHttpAccessFail() throws Exception {
        // Proves the guard that keeps the whole suite offline is active (see OfflineGuardExtension).
        URL url = URI.create("http://example.invalid/files.txt").toURL();
        assertThatThrownBy(() -> url.openStream()).hasMessageContaining("network access attempted");
    }
}
