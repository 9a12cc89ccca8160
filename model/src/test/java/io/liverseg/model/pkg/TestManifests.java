package io.liverseg.model.pkg;

import io.liverseg.imaging.preprocess.PreprocessingSpec;
import io.liverseg.model.net.UNetConfig;
import java.util.List;
import java.util.Map;

/** Manifests for tests of packages and of what loads them. */
public final class TestManifests {
    private TestManifests() {
    }

    /** A liver manifest (version 7, parent 6) for {@code arch} at {@code size}². */
    public static ModelManifest liver(UNetConfig arch, int size, ModelManifest.Postprocessing post) {
        PreprocessingSpec spec = new PreprocessingSpec(PreprocessingSpec.defaults().window(),
                PreprocessingSpec.defaults().normalization(), size, arch.inputChannels());
        return new ModelManifest(ModelManifest.FORMAT, "liver", "7", "6", "2026-11-26T00:00:00Z",
                ModelManifest.Architecture.of(arch), List.of("background", "liver", "tumour"),
                ModelManifest.Preprocessing.of(spec), post,
                new ModelManifest.Training("sha256:x", List.of("a"), List.of("b"), Map.of("epochs", 1), 1, 1),
                new ModelManifest.Metrics(Map.of("liver", 0.9, "tumour", 0.5), 0.7, null), null);
    }
}
