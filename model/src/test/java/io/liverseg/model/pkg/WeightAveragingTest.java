package io.liverseg.model.pkg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.liverseg.model.DjlEnvironment;
import io.liverseg.model.TestSupport;
import io.liverseg.model.net.AttentionResUNet;
import io.liverseg.model.net.AttentionResUNetBlock;
import io.liverseg.model.net.AttentionType;
import io.liverseg.model.net.UNetConfig;
import io.liverseg.model.predict.SlicePredictor;
import io.liverseg.model.predict.TestTimeAugmentation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightAveragingTest {
    private static final UNetConfig TINY = ModelPackageTest.TINY;
    private static final int SIZE = ModelPackageTest.SIZE;
    private static final ModelManifest LIKE = TestManifests.liver(TINY, SIZE, ModelManifest.Postprocessing.liver(1, 2));

    @TempDir
    Path dir;

    /** A package of freshly initialised (random) weights of {@code arch}. */
    private Path randomPackage(String name, UNetConfig arch) throws IOException {
        Path pkg = dir.resolve(name);
        DjlEnvironment.init();
        AttentionResUNetBlock block = AttentionResUNet.builder().fromConfig(arch).build();
        try (Model model = Model.newInstance("unet", Device.cpu(), DjlEnvironment.engine().getEngineName())) {
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, arch.inputChannels(), SIZE, SIZE));
            ModelPackage.save(pkg, model, TestManifests.liver(arch, SIZE, ModelManifest.Postprocessing.liver(1, 2)));
        }
        return pkg;
    }

    private static float[][] parameters(Path pkg) throws IOException {
        try (ModelPackage.LoadedModel m = ModelPackage.load(pkg, Device.cpu())) {
            return m.block().getParameters().stream().map(p -> p.getValue().getArray().toFloatArray()).toArray(float[][]::new);
        }
    }

    @Test
    void everyParameterOfTheAverageIsTheMeanOfTheFiles() throws IOException {
        Path a = randomPackage("a", TINY);
        Path b = randomPackage("b", TINY);
        Path c = randomPackage("c", TINY);
        Path out = dir.resolve("soup");
        ModelManifest m = WeightAveraging.average(LIKE, List.of(a.resolve("unet-0000.params"),
                b.resolve("unet-0000.params"), c.resolve("unet-0000.params")), out, "8", "7");
        float[][] pa = parameters(a);
        float[][] pb = parameters(b);
        float[][] pc = parameters(c);
        float[][] avg = parameters(out);
        assertThat(avg.length).isEqualTo(pa.length).isPositive();
        boolean differed = false;
        for (int i = 0; i < avg.length; i++) {
            for (int j = 0; j < avg[i].length; j++) {
                float mean = (pa[i][j] + pb[i][j] + pc[i][j]) / 3;
                assertThat(avg[i][j]).as("parameter %d element %d", i, j).isCloseTo(mean, within(1e-6f));
                differed |= pa[i][j] != pb[i][j];
            }
        }
        assertThat(differed).as("the inputs differ, so the mean is not one of them").isTrue();
        assertThat(m.version()).isEqualTo("8");
        assertThat(m.parentVersion()).isEqualTo("7");
        assertThat(m.metrics()).as("not validated: no metrics carried over from the template").isNull();
        assertThat(m.classNames()).isEqualTo(LIKE.classNames());
        assertThat(m.preprocessing()).isEqualTo(LIKE.preprocessing());
        @SuppressWarnings("unchecked")
        List<Map<String, String>> sources = (List<Map<String, String>>) m.training().config().get(WeightAveraging.AVERAGED_KEY);
        assertThat(sources).extracting(s -> s.get("file")).containsExactly("unet-0000.params", "unet-0000.params",
                "unet-0000.params");
        assertThat(sources.get(0).get("sha256")).isEqualTo(ModelPackage.readManifest(a).parameters().sha256());
        ModelManifest reread = ModelPackage.readManifest(out);
        assertThat(reread.training().config()).isEqualTo(m.training().config());
        assertThat(reread.parameters()).isEqualTo(m.parameters());
    }

    @Test
    void oneFileIsPackagedAsItIs() throws IOException {
        Path a = randomPackage("a", TINY);
        Path out = dir.resolve("one");
        WeightAveraging.average(LIKE, List.of(a.resolve("unet-0000.params")), out, "8", "7");
        float[] input = TestSupport.randomFloats(3, 2 * SIZE * SIZE);
        try (ModelPackage.LoadedModel x = ModelPackage.load(a, Device.cpu());
             ModelPackage.LoadedModel y = ModelPackage.load(out, Device.cpu())) {
            assertThat(new SlicePredictor(y.model(), y.block()).predictProbabilities(input, 2, 1, SIZE, SIZE, TestTimeAugmentation.NONE).quantised())
                    .isEqualTo(new SlicePredictor(x.model(), x.block()).predictProbabilities(input, 2, 1, SIZE, SIZE, TestTimeAugmentation.NONE).quantised());
        }
    }

    @Test
    void weightsOfAnotherArchitectureAreRefusedNamingTheFile() throws IOException {
        Path a = randomPackage("a", TINY);
        Path wide = randomPackage("wide", new UNetConfig(1, 3, 8, 3, AttentionType.DOT_PRODUCT));
        Path params = wide.resolve("unet-0000.params");
        assertThatThrownBy(() -> WeightAveraging.average(LIKE, List.of(a.resolve("unet-0000.params"), params),
                dir.resolve("bad"), "8", "7"))
                .isInstanceOfSatisfying(ModelPackageException.class, e -> assertThat(e.field()).isEqualTo("architecture"))
                .hasMessageContaining(params.toString());
        assertThat(dir.resolve("bad/model.json")).doesNotExist();
        assertThatThrownBy(() -> WeightAveraging.average(LIKE, List.of(dir.resolve("nope-0000.params")), dir.resolve("bad"),
                "8", "7")).isInstanceOf(ModelPackageException.class).hasMessageContaining("nope-0000.params");
        assertThatThrownBy(() -> WeightAveraging.average(LIKE, List.of(), dir.resolve("bad"), "8", "7"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
