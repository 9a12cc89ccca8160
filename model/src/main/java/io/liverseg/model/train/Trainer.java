package io.liverseg.model.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.liverseg.imaging.dataset.SliceSet;
import io.liverseg.imaging.measure.DiceCounts;
import io.liverseg.model.DjlEnvironment;
import io.liverseg.model.net.AttentionResUNet;
import io.liverseg.model.net.AttentionResUNetBlock;
import io.liverseg.model.net.InputWidening;
import io.liverseg.model.net.UNetConfig;
import io.liverseg.model.pkg.ModelPackage;
import io.liverseg.model.predict.SlicePredictor;
import io.liverseg.model.predict.TestTimeAugmentation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains the Attention Residual UNet on preprocessed slices with the design's schedule: Adam, learning rate
 * ×{@code lrFactor} after {@code lrPatience} epochs without a better validation mean foreground Dice, early
 * stop after {@code earlyStopPatience}. Checkpoints after every epoch ({@code last-0000.params},
 * {@code best-0000.params}, {@code state.json}) so a run can resume; the best epoch's weights are the result.
 * Every epoch's weights are also kept ({@code epoch001-0000.params}, …; 2 MB each for the liver model) so that
 * epochs can be compared or averaged afterwards ({@link io.liverseg.model.pkg.WeightAveraging}).
 *
 * <p>On resume the weights, learning rate, epoch and best score come back; Adam's moment estimates restart
 * from zero (DJL does not serialise optimizer state), which costs a few steps of warm-up, not correctness.
 */
public final class Trainer {
    /** Parameter-file prefix of the best epoch's weights in the checkpoint directory. */
    public static final String BEST = "best";
    private static final String LAST = "last";
    private static final String STATE = "state.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Parameter-file prefix of one epoch's weights in the checkpoint directory: {@code epoch007} for epoch 7. */
    public static String epochPrefix(int epoch) {
        return String.format(java.util.Locale.ROOT, "epoch%03d", epoch);
    }

    private Trainer() {
    }

    /** What a run achieved. */
    public record Result(UNetConfig architecture, int epochsRun, int bestEpoch, Map<String, Double> validationDice,
                         double meanForegroundDice, Path bestParameters, List<Map<String, Object>> history) {
    }

    /** Resumable state, written after every epoch. */
    record State(int epoch, float learningRate, double bestScore, int bestEpoch, int epochsWithoutImprovement,
                 Map<String, Double> bestDice, List<Map<String, Object>> history) {
    }

    /**
     * Runs training and leaves the best weights in {@code checkpointDir}.
     *
     * @param classNames names of the classes by label, for reports
     * @param resume     continue from {@code checkpointDir}'s state when there is one
     */
    public static Result train(SliceSet training, SliceSet validation, UNetConfig architecture, List<String> classNames,
                               TrainingConfig config, Path checkpointDir, boolean resume, TrainingProgress progress)
            throws IOException {
        return train(training, validation, architecture, classNames, config, checkpointDir, resume, null, progress);
    }

    /**
     * As {@link #train(SliceSet, SliceSet, UNetConfig, List, TrainingConfig, Path, boolean, TrainingProgress)},
     * starting a new run (not a resume) from existing weights instead of random ones: fine-tuning a
     * champion on more data.
     *
     * @param initialWeights a DJL parameter file of the same architecture, or null for random weights
     */
    public static Result train(SliceSet training, SliceSet validation, UNetConfig architecture, List<String> classNames,
                               TrainingConfig config, Path checkpointDir, boolean resume, Path initialWeights,
                               TrainingProgress progress) throws IOException {
        return train(training, validation, architecture, classNames, config, checkpointDir, resume, initialWeights,
                architecture, progress);
    }

    /**
     * As {@link #train(SliceSet, SliceSet, UNetConfig, List, TrainingConfig, Path, boolean, Path, TrainingProgress)}
     * with initial weights of {@code initialArchitecture}: the same as {@code architecture}, or its single-slice
     * version when training an adjacent-slice (3-channel) network, which then starts as the single-slice model
     * ({@link InputWidening}); null means {@code architecture}.
     */
    public static Result train(SliceSet training, SliceSet validation, UNetConfig architecture, List<String> classNames,
                               TrainingConfig config, Path checkpointDir, boolean resume, Path initialWeights,
                               UNetConfig initialArchitecture, TrainingProgress progress) throws IOException {
        if (training.size() == 0) {
            throw new IllegalArgumentException("no training slices");
        }
        if (validation.size() == 0) {
            throw new IllegalArgumentException("no validation slices");
        }
        Files.createDirectories(checkpointDir);
        DjlEnvironment.init();
        Engine engine = DjlEnvironment.engine();
        engine.setRandomSeed((int) config.seed());
        Device device = config.device().resolve();
        int size = training.spec().targetSize();
        int channels = training.spec().channels();
        int classes = architecture.classes();
        AttentionResUNetBlock block = AttentionResUNet.builder().fromConfig(architecture).build();
        State state = resume ? readState(checkpointDir) : null;
        PlateauTracker lr = new PlateauTracker(state == null ? config.learningRate() : state.learningRate());
        try (Model model = Model.newInstance("unet", device, engine.getEngineName())) {
            model.setBlock(block);
            DefaultTrainingConfig tc = new DefaultTrainingConfig(config.loss().create(classes))
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(lr).build())
                    .optDevices(new Device[] {device});
            Shape inputShape = new Shape(config.batchSize(), channels, size, size);
            if (state != null || initialWeights != null) {
                // load before the DJL trainer exists: its parameter store captures the arrays it sees at creation
                block.initialize(model.getNDManager(), DataType.FLOAT32, inputShape);
                Path from = state != null ? checkpointDir : initialWeights.getParent();
                String prefix = state != null ? LAST : ModelPackage.parameterPrefix(initialWeights);
                try {
                    if (state == null && initialArchitecture != null && !initialArchitecture.equals(architecture)) {
                        loadWidened(from, prefix, initialArchitecture, block, architecture, size);
                    } else {
                        model.load(from, prefix);
                    }
                } catch (ai.djl.MalformedModelException e) {
                    throw new IOException(from + ": cannot load weights '" + prefix + "': " + e.getMessage(), e);
                }
            }
            try (ai.djl.training.Trainer trainer = model.newTrainer(tc)) {
                trainer.initialize(inputShape);
                return run(training, validation, architecture, classNames, config, checkpointDir, progress, model,
                        block, trainer, lr, state);
            }
        }
    }

    /** Loads single-slice weights into a network of their own shape, then widens them into {@code block}. */
    private static void loadWidened(Path from, String prefix, UNetConfig fromArchitecture, AttentionResUNetBlock block,
                                    UNetConfig architecture, int size) throws IOException, ai.djl.MalformedModelException {
        AttentionResUNetBlock source = AttentionResUNet.builder().fromConfig(fromArchitecture).build();
        try (Model sourceModel = Model.newInstance("unet", Device.cpu(), DjlEnvironment.engine().getEngineName())) {
            sourceModel.setBlock(source);
            source.initialize(sourceModel.getNDManager(), DataType.FLOAT32,
                    new Shape(1, fromArchitecture.inputChannels(), size, size));
            sourceModel.load(from, prefix);
            InputWidening.copy(source, fromArchitecture, block, architecture);
        }
    }

    private static Result run(SliceSet training, SliceSet validation, UNetConfig architecture, List<String> classNames,
                              TrainingConfig config, Path dir, TrainingProgress progress, Model model,
                              AttentionResUNetBlock block, ai.djl.training.Trainer trainer, PlateauTracker lr,
                              State state) throws IOException {
        int size = training.spec().targetSize();
        int channels = training.spec().channels();
        int classes = architecture.classes();
        int batch = config.batchSize();
        int perEpoch = config.slicesPerEpoch() > 0 ? config.slicesPerEpoch() : training.size();
        int steps = Math.max(1, perEpoch / batch);
        int[] oversampled = training.slicesWith(classes - 1);
        int startEpoch = state == null ? 1 : state.epoch() + 1;
        double bestScore = state == null ? -1 : state.bestScore();
        int bestEpoch = state == null ? 0 : state.bestEpoch();
        int flat = state == null ? 0 : state.epochsWithoutImprovement();
        Map<String, Double> bestDice = state == null ? Map.of() : state.bestDice();
        List<Map<String, Object>> history = state == null ? new ArrayList<>() : new ArrayList<>(state.history());
        float[] x = new float[batch * channels * size * size];
        byte[] y = new byte[batch * size * size];
        SpatialAugmentation augmentation = config.spatialAugmentation() > 0 ? new SpatialAugmentation(channels, size) : null;
        long runStart = System.nanoTime();
        int epochsDone = 0;
        int epoch = startEpoch;
        for (; epoch <= config.epochs(); epoch++) {
            SplittableRandom rnd = new SplittableRandom(config.seed() * 1_000_003L + epoch);
            long t0 = System.nanoTime();
            double lossSum = 0;
            for (int step = 1; step <= steps; step++) {
                fillBatch(training, rnd, oversampled, config, augmentation, x, y, channels, size);
                float loss;
                try (NDManager m = trainer.getManager().newSubManager()) {
                    NDArray input = m.create(x, new Shape(batch, channels, size, size));
                    NDArray labels = m.create(y, new Shape(batch, size, size)).toType(DataType.INT64, false);
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDList predictions = trainer.forward(new NDList(input));
                        NDArray l = trainer.getLoss().evaluate(new NDList(labels), predictions);
                        gc.backward(l);
                        loss = l.getFloat();
                    }
                    trainer.step();
                }
                if (!Float.isFinite(loss)) {
                    throw new IllegalStateException("training diverged: loss " + loss + " at epoch " + epoch + " step " + step);
                }
                lossSum += loss;
                double elapsed = (System.nanoTime() - t0) / 1e9;
                double rate = step * batch / elapsed;
                double secondsPerEpoch = elapsed / step * steps;
                double eta = secondsPerEpoch * (steps - step) / steps + secondsPerEpoch * (config.epochs() - epoch);
                progress.step(epoch, step, steps, loss, rate, eta);
            }
            Map<String, Double> dice = validate(new SlicePredictor(model, block), validation, classNames, config.batchSize());
            double score = meanForeground(dice, classNames);
            boolean improved = score > bestScore + 1e-4;
            if (improved) {
                bestScore = score;
                bestEpoch = epoch;
                bestDice = dice;
                flat = 0;
                save(model, dir, BEST);
            } else {
                flat++;
                if (flat % config.lrPatience() == 0) {
                    lr.reduce(config.lrFactor());
                }
            }
            save(model, dir, LAST);
            save(model, dir, epochPrefix(epoch));
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("epoch", epoch);
            h.put("loss", lossSum / steps);
            h.put("validation_dice", dice);
            h.put("learning_rate", lr.value());
            h.put("seconds", seconds);
            history.add(h);
            writeState(dir, new State(epoch, lr.value(), bestScore, bestEpoch, flat, bestDice, history));
            progress.epoch(new TrainingProgress.EpochReport(epoch, config.epochs(), lossSum / steps, dice, score,
                    lr.value(), improved, seconds));
            epochsDone++;
            if (flat >= config.earlyStopPatience()) {
                break;
            }
        }
        if (epochsDone == 0 && state == null) {
            throw new IllegalStateException("no epoch ran");
        }
        return new Result(architecture, Math.min(epoch, config.epochs()), bestEpoch, bestDice, bestScore,
                dir.resolve(BEST + "-0000.params"), history);
    }

    /**
     * Saves as {@code prefix-0000.params}, replacing the previous file: without an "Epoch" property DJL
     * numbers each save one higher than the last file it finds, and loads the highest.
     */
    private static void save(Model model, Path dir, String prefix) throws IOException {
        model.setProperty("Epoch", "0");
        model.save(dir, prefix);
    }

    /**
     * Draws a batch: an {@code oversampleFraction} share from slices with the last class, the rest uniformly; then
     * the augmentations the config asks for. With augmentation off no random number is drawn for it, so runs
     * without it are the same as before it existed.
     */
    private static void fillBatch(SliceSet set, SplittableRandom rnd, int[] oversampled, TrainingConfig config,
                                  SpatialAugmentation augmentation, float[] x, byte[] y, int channels, int size) {
        int imageStride = channels * size * size;
        int labelStride = size * size;
        int batch = config.batchSize();
        for (int b = 0; b < batch; b++) {
            boolean over = oversampled.length > 0 && rnd.nextDouble() < config.oversampleFraction();
            int slice = over ? oversampled[rnd.nextInt(oversampled.length)] : rnd.nextInt(set.size());
            set.copyImage(slice, x, b * imageStride);
            set.copyLabels(slice, y, b * labelStride);
            if (augmentation != null && rnd.nextDouble() < config.spatialAugmentation()) {
                augmentation.apply(x, b * imageStride, channels, y, b * labelStride, size, rnd);
            }
            if (config.intensityJitter() > 0) {
                // scanner-to-scanner contrast and brightness differences, on the normalised input
                float gain = (float) (1 + rnd.nextGaussian() * config.intensityJitter());
                float bias = (float) (rnd.nextGaussian() * config.intensityJitter());
                for (int p = b * imageStride, end = p + imageStride; p < end; p++) {
                    x[p] = x[p] * gain + bias;
                }
            }
        }
    }

    /** Global Dice per class over all validation slices at the network's resolution. */
    public static Map<String, Double> validate(SlicePredictor predictor, SliceSet validation, List<String> classNames,
                                               int batch) {
        int size = validation.spec().targetSize();
        int channels = validation.spec().channels();
        int classes = classNames.size();
        DiceCounts total = DiceCounts.empty(classes);
        for (int first = 0; first < validation.size(); first += batch) {
            int n = Math.min(batch, validation.size() - first);
            float[] x = new float[n * channels * size * size];
            byte[] ref = new byte[n * size * size];
            for (int i = 0; i < n; i++) {
                validation.copyImage(first + i, x, i * channels * size * size);
                validation.copyLabels(first + i, ref, i * size * size);
            }
            byte[] pred = predictor.predict(x, n, channels, size, size, TestTimeAugmentation.NONE);
            total = total.plus(DiceCounts.of(pred, ref, classes));
        }
        Map<String, Double> dice = new LinkedHashMap<>();
        for (int c = 1; c < classes; c++) {
            dice.put(classNames.get(c), total.dice(c));
        }
        return dice;
    }

    static double meanForeground(Map<String, Double> dice, List<String> classNames) {
        return dice.values().stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }

    private static void writeState(Path dir, State s) throws IOException {
        Path tmp = dir.resolve(STATE + ".tmp");
        JSON.writeValue(tmp.toFile(), s);
        Files.move(tmp, dir.resolve(STATE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static State readState(Path dir) throws IOException {
        Path f = dir.resolve(STATE);
        if (!Files.exists(f)) {
            return null;
        }
        return JSON.readValue(f.toFile(), State.class);
    }
}
