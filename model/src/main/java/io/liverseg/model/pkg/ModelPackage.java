package io.liverseg.model.pkg;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.liverseg.imaging.dataset.DatasetFingerprint;
import io.liverseg.model.DjlEnvironment;
import io.liverseg.model.net.AttentionResUNet;
import io.liverseg.model.net.AttentionResUNetBlock;
import io.liverseg.model.net.UNetConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A model package: one directory holding {@code model.json} ({@link ModelManifest}) and the DJL parameter
 * file it names. Loading checks the manifest's fields, the parameter file's SHA-256 and that the weights fit
 * the declared architecture, and says precisely what is wrong otherwise.
 */
public final class ModelPackage {
    /** The manifest file name. */
    public static final String MANIFEST = "model.json";
    /** DJL model name: the parameter file is {@code unet-0000.params}. */
    public static final String MODEL_NAME = "unet";

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ModelPackage() {
    }

    /**
     * Writes the model's parameters and the manifest (its {@code parameters} field filled in) to {@code dir}.
     * The manifest is written last, through a temporary file, so a directory with a model.json is complete.
     */
    public static ModelManifest save(Path dir, Model model, ModelManifest manifest) throws IOException {
        Files.createDirectories(dir);
        model.save(dir, MODEL_NAME);
        Path params = dir.resolve(MODEL_NAME + "-0000.params");
        ModelManifest complete = new ModelManifest(manifest.format(), manifest.name(), manifest.version(),
                manifest.parentVersion(), manifest.createdAt(), manifest.architecture(), manifest.classNames(),
                manifest.preprocessing(), manifest.postprocessing(), manifest.training(), manifest.metrics(),
                new ModelManifest.Parameters(params.getFileName().toString(), DatasetFingerprint.fileHash(params)));
        Path tmp = dir.resolve(MANIFEST + ".tmp");
        JSON.writeValue(tmp.toFile(), complete);
        Files.move(tmp, dir.resolve(MANIFEST), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return complete;
    }

    /** Reads and validates model.json only. */
    public static ModelManifest readManifest(Path dir) throws IOException {
        Path file = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            throw new ModelPackageException(file, null, Files.isDirectory(dir)
                    ? "no model.json: not a liverseg model package" : "model package directory does not exist");
        }
        ModelManifest m;
        try (InputStream in = Files.newInputStream(file)) {
            m = JSON.readValue(in, ModelManifest.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new ModelPackageException(file, null, "not valid model.json: " + e.getOriginalMessage(), e);
        }
        require(file, "format", m.format() != null, "missing");
        require(file, "format", ModelManifest.FORMAT.equals(m.format()),
                "'" + m.format() + "' is not " + ModelManifest.FORMAT);
        require(file, "name", m.name() != null && !m.name().isBlank(), "missing");
        require(file, "version", m.version() != null && !m.version().isBlank(), "missing");
        require(file, "architecture", m.architecture() != null, "missing");
        require(file, "preprocessing", m.preprocessing() != null, "missing");
        require(file, "class_names", m.classNames() != null, "missing");
        require(file, "parameters", m.parameters() != null && m.parameters().file() != null, "missing");
        UNetConfig config;
        try {
            config = m.architecture().toConfig();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ModelPackageException(file, "architecture", e.getMessage(), e);
        }
        require(file, "class_names", m.classNames().size() == config.classes(), m.classNames().size()
                + " names for " + config.classes() + " classes");
        try {
            m.preprocessing().toSpec();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ModelPackageException(file, "preprocessing", String.valueOf(e.getMessage()), e);
        }
        require(file, "preprocessing.orientation", "RAS".equals(m.preprocessing().orientation()),
                "'" + m.preprocessing().orientation() + "' (only RAS is supported)");
        require(file, "preprocessing.channels", m.preprocessing().channels() == config.inputChannels(),
                m.preprocessing().channels() + " != architecture.input_channels " + config.inputChannels());
        require(file, "preprocessing.target_size", m.preprocessing().targetSize() % config.sizeDivisor() == 0,
                m.preprocessing().targetSize() + " is not a multiple of " + config.sizeDivisor());
        return m;
    }

    /**
     * Loads a package onto a device: validates model.json, checks the parameter file's SHA-256 and loads the
     * weights into a freshly built network. The caller closes the returned model.
     */
    public static LoadedModel load(Path dir, Device device) throws IOException {
        ModelManifest m = readManifest(dir);
        Path params = dir.resolve(m.parameters().file());
        if (!Files.isRegularFile(params)) {
            throw new ModelPackageException(params, "parameters.file", "the weight file named in model.json is missing");
        }
        if (m.parameters().sha256() != null) {
            String actual = DatasetFingerprint.fileHash(params);
            if (!actual.equals(m.parameters().sha256())) {
                throw new ModelPackageException(params, "parameters.sha256", "weights have SHA-256 " + actual
                        + " but model.json says " + m.parameters().sha256() + " (file replaced or damaged)");
            }
        }
        return loadWeights(dir, m, params, device);
    }

    /**
     * Loads a DJL parameter file ({@code NAME-0000.params}: a package's, or a trainer checkpoint's) into a freshly
     * built network of the manifest's architecture. {@code directory} is what the returned model reports as its
     * package. Weights of another architecture are refused naming the file. The caller closes the result.
     */
    public static LoadedModel loadWeights(Path directory, ModelManifest m, Path params, Device device) throws IOException {
        if (!Files.isRegularFile(params)) {
            throw new ModelPackageException(params, null, "weight file does not exist");
        }
        String prefix = parameterPrefix(params);
        UNetConfig config = m.architecture().toConfig();
        AttentionResUNetBlock block = AttentionResUNet.builder().fromConfig(config).build();
        DjlEnvironment.init();
        Model model = Model.newInstance(MODEL_NAME, device, DjlEnvironment.engine().getEngineName());
        try {
            model.setBlock(block);
            int size = m.preprocessing().targetSize();
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, config.inputChannels(), size, size));
            // DJL replaces parameter arrays with whatever the file holds, so check shapes ourselves
            java.util.Map<String, Shape> expected = new java.util.LinkedHashMap<>();
            block.getParameters().forEach(p -> expected.put(p.getKey(), p.getValue().getArray().getShape()));
            model.load(params.toAbsolutePath().getParent(), prefix);
            for (var p : block.getParameters()) {
                Shape want = expected.get(p.getKey());
                Shape got = p.getValue().getArray().getShape();
                if (!got.equals(want)) {
                    throw new IllegalStateException("parameter " + p.getKey() + " has shape " + got + ", the architecture needs " + want);
                }
            }
        } catch (MalformedModelException | RuntimeException e) {
            model.close();
            throw new ModelPackageException(params, "architecture", "weights do not fit the declared architecture "
                    + config + ": " + e.getMessage(), e);
        }
        return new LoadedModel(directory, m, model, block);
    }

    /** The DJL model-name prefix of a parameter file: "unet" for {@code unet-0000.params}. */
    public static String parameterPrefix(Path params) throws ModelPackageException {
        String fileName = params.getFileName().toString();
        if (!fileName.matches(".+-\\d{4}\\.params")) {
            throw new ModelPackageException(params, null, "not a DJL parameter file (NAME-0000.params)");
        }
        return fileName.substring(0, fileName.lastIndexOf('-'));
    }

    private static void require(Path file, String field, boolean ok, String message) throws ModelPackageException {
        if (!ok) {
            throw new ModelPackageException(file, field, message);
        }
    }

    /** A package loaded onto a device; closing it frees the weights. */
    public record LoadedModel(Path directory, ModelManifest manifest, Model model, AttentionResUNetBlock block)
            implements AutoCloseable {
        @Override
        public void close() {
            model.close();
        }
    }
}
