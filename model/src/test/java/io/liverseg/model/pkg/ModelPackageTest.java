package io.liverseg.model.pkg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liverseg.model.DjlEnvironment;
import io.liverseg.model.TestSupport;
import io.liverseg.model.net.AttentionResUNet;
import io.liverseg.model.net.AttentionResUNetBlock;
import io.liverseg.model.net.AttentionType;
import io.liverseg.model.net.UNetConfig;
import io.liverseg.model.predict.SlicePredictor;
import io.liverseg.model.predict.TestTimeAugmentation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelPackageTest {
    static final UNetConfig TINY = new UNetConfig(1, 3, 4, 3, AttentionType.DOT_PRODUCT);
    static final int SIZE = 32;

    @TempDir
    Path dir;

    Path pkg;
    byte[] savedPrediction;
    float[] input = TestSupport.randomFloats(5, 2 * SIZE * SIZE);

    @BeforeEach
    void savePackage() throws IOException {
        pkg = dir.resolve("pkg");
        DjlEnvironment.init();
        AttentionResUNetBlock block = AttentionResUNet.builder().fromConfig(TINY).build();
        try (Model model = Model.newInstance("unet", Device.cpu(), DjlEnvironment.engine().getEngineName())) {
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, SIZE, SIZE));
            savedPrediction = new SlicePredictor(model, block).predict(input, 2, 1, SIZE, SIZE, TestTimeAugmentation.NONE);
            ModelManifest written = ModelPackage.save(pkg, model, TestManifests.liver(TINY, SIZE, ModelManifest.Postprocessing.liver(1, 2)));
            assertThat(written.parameters().sha256()).hasSize(64);
        }
    }

    @Test
    void aSavedPackageLoadsWithItsManifestAndPredictsTheSame() throws IOException {
        try (ModelPackage.LoadedModel loaded = ModelPackage.load(pkg, Device.cpu())) {
            assertThat(loaded.manifest().version()).isEqualTo("7");
            assertThat(loaded.manifest().parentVersion()).isEqualTo("6");
            assertThat(loaded.manifest().architecture().toConfig()).isEqualTo(TINY);
            assertThat(loaded.manifest().preprocessing().toSpec().targetSize()).isEqualTo(SIZE);
            byte[] again = new SlicePredictor(loaded.model(), loaded.block()).predict(input, 2, 1, SIZE, SIZE, TestTimeAugmentation.NONE);
            assertThat(again).isEqualTo(savedPrediction);
        }
    }

    @Test
    void attentionMapsComeWithThePredictionForTheViewer() throws IOException {
        try (ModelPackage.LoadedModel loaded = ModelPackage.load(pkg, Device.cpu())) {
            SlicePredictor.Prediction p = new SlicePredictor(loaded.model(), loaded.block())
                    .predictWithAttention(input, 2, 1, SIZE, SIZE);
            assertThat(p.labels()).isEqualTo(savedPrediction);
            assertThat(p.attention()).hasSize(TINY.levels() - 1);
            for (int level = 0; level < p.attention().size(); level++) {
                int side = SIZE >> level;
                assertThat(p.attentionShapes().get(level)).isEqualTo(new Shape(2, 1, side, side));
                for (float a : p.attention().get(level)) {
                    assertThat(a).isBetween(0f, 1f);
                }
            }
        }
    }

    @Test
    void aMissingManifestIsAClearError() throws IOException {
        Files.delete(pkg.resolve("model.json"));
        assertThatThrownBy(() -> ModelPackage.load(pkg, Device.cpu())).isInstanceOf(ModelPackageException.class)
                .hasMessageContaining("model.json").hasMessageContaining("not a liverseg model package");
    }

    @Test
    void missingWeightsAreNamed() throws IOException {
        Files.delete(pkg.resolve("unet-0000.params"));
        assertThatThrownBy(() -> ModelPackage.load(pkg, Device.cpu())).isInstanceOfSatisfying(ModelPackageException.class,
                e -> assertThat(e.field()).isEqualTo("parameters.file"));
    }

    @Test
    void replacedWeightsFailTheChecksum() throws IOException {
        Path params = pkg.resolve("unet-0000.params");
        byte[] b = Files.readAllBytes(params);
        b[b.length - 1] ^= 1;
        Files.write(params, b);
        assertThatThrownBy(() -> ModelPackage.load(pkg, Device.cpu())).isInstanceOfSatisfying(ModelPackageException.class,
                e -> assertThat(e.field()).isEqualTo("parameters.sha256"));
    }

    @Test
    void weightsThatDoNotFitTheDeclaredArchitectureAreRefused() throws IOException {
        ObjectNode json = (ObjectNode) ModelPackage.JSON.readTree(pkg.resolve("model.json").toFile());
        ((ObjectNode) json.get("architecture")).put("base_features", 8);
        ModelPackage.JSON.writeValue(pkg.resolve("model.json").toFile(), json);
        assertThatThrownBy(() -> ModelPackage.load(pkg, Device.cpu())).isInstanceOfSatisfying(ModelPackageException.class,
                e -> assertThat(e.field()).isEqualTo("architecture"));
    }

    @Test
    void inconsistentManifestFieldsAreNamed() throws IOException {
        ObjectNode json = (ObjectNode) ModelPackage.JSON.readTree(pkg.resolve("model.json").toFile());
        ((ObjectNode) json.get("preprocessing")).put("channels", 3);
        ModelPackage.JSON.writeValue(pkg.resolve("model.json").toFile(), json);
        assertThatThrownBy(() -> ModelPackage.readManifest(pkg)).isInstanceOfSatisfying(ModelPackageException.class,
                e -> assertThat(e.field()).isEqualTo("preprocessing.channels"));

        json.set("class_names", ModelPackage.JSON.valueToTree(List.of("background", "liver")));
        ((ObjectNode) json.get("preprocessing")).put("channels", 1);
        ModelPackage.JSON.writeValue(pkg.resolve("model.json").toFile(), json);
        assertThatThrownBy(() -> ModelPackage.readManifest(pkg)).isInstanceOfSatisfying(ModelPackageException.class,
                e -> assertThat(e.field()).isEqualTo("class_names"));

        Files.writeString(pkg.resolve("model.json"), "{ not json");
        assertThatThrownBy(() -> ModelPackage.readManifest(pkg)).isInstanceOf(ModelPackageException.class)
                .hasMessageContaining("not valid model.json");
    }
}
