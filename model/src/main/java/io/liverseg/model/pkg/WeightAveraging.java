package io.liverseg.model.pkg;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.liverseg.imaging.dataset.DatasetFingerprint;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a model package whose weights are the element-wise mean of several weight files of one architecture:
 * a "model soup" (Wortsman et al., 2022) or, over the epochs of one run, stochastic weight averaging (Izmailov et
 * al., 2018). Every parameter is averaged, batch norm's running mean and variance included. Averaging is only
 * meaningful for weights that share an origin (epochs of one run, fine-tunes of one model); the result is not
 * validated here, so its manifest carries no metrics — evaluate it before using it.
 *
 * <p>With a single file this packages that checkpoint (e.g. one epoch of a run) as it is.
 */
public final class WeightAveraging {
    /** The {@code training.config} key listing the averaged files. */
    public static final String AVERAGED_KEY = "weight_average";

    private WeightAveraging() {
    }

    /**
     * Averages {@code weights} (DJL parameter files, {@code NAME-0000.params}) and writes a package to {@code out}
     * with {@code like}'s manifest (architecture, classes, preprocessing, postprocessing, training data), the given
     * version and parent, and the averaged files' names and SHA-256 under {@code training.config.weight_average}.
     *
     * @throws ModelPackageException when a file is missing or its weights do not fit {@code like}'s architecture
     */
    public static ModelManifest average(ModelManifest like, List<Path> weights, Path out, String version,
                                        String parentVersion) throws IOException {
        if (weights.isEmpty()) {
            throw new IllegalArgumentException("no weight files to average");
        }
        if (version == null || version.isBlank()) {
            throw new IllegalArgumentException("the averaged package needs a version");
        }
        List<Map<String, String>> sources = new ArrayList<>();
        try (ModelPackage.LoadedModel target = ModelPackage.loadWeights(out, like, weights.get(0), Device.cpu());
             NDManager scratch = NDManager.newBaseManager(Device.cpu())) {
            List<Pair<String, Parameter>> params = target.block().getParameters().stream().toList();
            List<NDArray> sums = new ArrayList<>();
            for (Pair<String, Parameter> p : params) {
                sums.add(p.getValue().getArray().toType(DataType.FLOAT64, true));
            }
            sums.forEach(a -> a.attach(scratch));
            sources.add(source(weights.get(0)));
            for (Path file : weights.subList(1, weights.size())) {
                try (ModelPackage.LoadedModel other = ModelPackage.loadWeights(out, like, file, Device.cpu())) {
                    List<Pair<String, Parameter>> theirs = other.block().getParameters().stream().toList();
                    for (int i = 0; i < params.size(); i++) {
                        NDArray add = theirs.get(i).getValue().getArray().toType(DataType.FLOAT64, true);
                        sums.get(i).addi(add);
                    }
                }
                sources.add(source(file));
            }
            for (int i = 0; i < params.size(); i++) {
                NDArray mean = sums.get(i).div(weights.size()).toType(DataType.FLOAT32, false);
                params.get(i).getValue().getArray().set(mean.toFloatArray());
            }
            ModelManifest.Training t = like.training();
            Map<String, Object> config = new LinkedHashMap<>(t == null || t.config() == null ? Map.of() : t.config());
            config.put(AVERAGED_KEY, sources);
            ModelManifest.Training training = t == null
                    ? new ModelManifest.Training(null, List.of(), List.of(), config, 0, 0)
                    : new ModelManifest.Training(t.datasetFingerprint(), t.trainingCases(), t.validationCases(), config,
                    t.epochsRun(), t.bestEpoch());
            ModelManifest manifest = new ModelManifest(like.format(), like.name(), version, parentVersion,
                    Instant.now().toString(), like.architecture(), like.classNames(), like.preprocessing(),
                    like.postprocessing(), training, null, null);
            return ModelPackage.save(out, target.model(), manifest);
        }
    }

    private static Map<String, String> source(Path file) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("file", file.getFileName().toString());
        m.put("sha256", DatasetFingerprint.fileHash(file));
        return m;
    }
}
