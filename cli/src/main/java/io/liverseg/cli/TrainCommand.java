package io.liverseg.cli;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.liverseg.imaging.dataset.CaseSplit;
import io.liverseg.imaging.dataset.DatasetFingerprint;
import io.liverseg.imaging.dataset.LabelledCase;
import io.liverseg.imaging.dataset.SliceSet;
import io.liverseg.imaging.msd.MsdCase;
import io.liverseg.imaging.msd.MsdDataset;
import io.liverseg.imaging.msd.MsdTask;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.preprocess.HuWindow;
import io.liverseg.imaging.preprocess.Normalization;
import io.liverseg.imaging.preprocess.PreprocessingSpec;
import io.liverseg.model.DeviceSetting;
import io.liverseg.model.DjlEnvironment;
import io.liverseg.model.net.AttentionResUNet;
import io.liverseg.model.net.AttentionResUNetBlock;
import io.liverseg.model.net.AttentionType;
import io.liverseg.model.net.InputWidening;
import io.liverseg.model.net.UNetConfig;
import io.liverseg.model.pkg.ModelManifest;
import io.liverseg.model.pkg.ModelPackage;
import io.liverseg.model.train.LossType;
import io.liverseg.model.train.Trainer;
import io.liverseg.model.train.TrainingConfig;
import io.liverseg.model.train.TrainingProgress;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code liverseg train}: trains a model package from an MSD-layout folder. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train the Attention Residual UNet on an MSD-layout folder (imagesTr/, labelsTr/, dataset.json)",
            "and write a model package (model.json + weights). Cases split 80/20 by hash of their name.",
            "Defaults follow the design: Adam 1e-4, batch 32, LR x0.5 after 3 flat epochs, early stop after 5."})
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, description = "MSD-layout folder (Task03_Liver or Task08_HepaticVessel convention).")
    Path data;

    @Option(names = "--out", required = true, description = "Model package folder to write.")
    Path out;

    @Option(names = "--base", defaultValue = "-1", description = "Base features (default: 8 for liver, 16 for vessel).")
    int base;

    @Option(names = "--levels", defaultValue = "5", description = "Resolution levels (default ${DEFAULT-VALUE}).")
    int levels;

    @Option(names = "--attention", defaultValue = "DOT_PRODUCT", description = "DOT_PRODUCT or ADDITIVE (default ${DEFAULT-VALUE}).")
    AttentionType attention;

    @Option(names = "--epochs", defaultValue = "30", description = "Most epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "32", description = "Slices per step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "1e-4", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--loss", defaultValue = "DICE_CE", description = "DICE_CE, FOCAL or WEIGHTED_DICE (default ${DEFAULT-VALUE}).")
    LossType loss;

    @Option(names = "--oversample", defaultValue = "0.5", description = "Share of each batch from tumour slices (default ${DEFAULT-VALUE}).")
    double oversample;

    @Option(names = "--slices-per-epoch", defaultValue = "0", description = "Slices drawn per epoch (0 = training set size).")
    int slicesPerEpoch;

    @Option(names = "--size", defaultValue = "256", description = "In-plane input size (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--channels", defaultValue = "1", description = "1, or 3 adjacent slices (default ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--window", defaultValue = "-100,200", split = ",", description = "HU window LOW,HIGH (default ${DEFAULT-VALUE}).")
    double[] window;

    @Option(names = "--jitter", defaultValue = "0.05", description = "Intensity augmentation std (default ${DEFAULT-VALUE}).")
    double jitter;

    @Option(names = "--augment", defaultValue = "0",
            description = "Share of training slices given a random scale (±10 %%), rotation (±10°) and shift (±5 %%)"
                    + " (default ${DEFAULT-VALUE}: off).")
    double augment;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-cases", defaultValue = "0", description = "Use at most this many cases (0 = all).")
    int maxCases;

    @Option(names = "--cases", paramLabel = "FILE",
            description = "Use only the cases named in FILE (one case name per line, e.g. liver_007; # starts a comment), "
                    + "in its order instead of dataset.json's: the split stays by hash of the name, and "
                    + "--max-validation-cases keeps the validation cases listed first. Applied before --max-cases.")
    Path caseList;

    @Option(names = "--max-validation-cases", defaultValue = "0",
            description = "Validate on at most this many of the validation cases, the first in dataset order (0 = all); the rest are "
                    + "used for neither training nor validation. Validation runs after every epoch, so on large sets this bounds its cost.")
    int maxValidationCases;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, gpu or auto (default ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--name", description = "Model name (default: liver or vessel from the data).")
    String name;

    @Option(names = "--model-version", defaultValue = "1", description = "Version written to model.json (default ${DEFAULT-VALUE}).")
    String version;

    @Option(names = "--parent", description = "Parent version recorded in model.json.")
    String parent;

    @Option(names = "--resume", description = "Continue from OUT/checkpoint.")
    boolean resume;

    @Option(names = "--init-from", description = "Start from this model package's weights (same architecture) instead of random ones; "
            + "its version becomes the parent unless --parent is given.")
    Path initFrom;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        MsdDataset ds = MsdDataset.open(data);
        boolean vessel = ds.task() == MsdTask.HEPATIC_VESSEL;
        List<String> classNames = vessel ? List.of("background", "vessel", "tumour") : List.of("background", "liver", "tumour");
        String modelName = name != null ? name : vessel ? "vessel" : "liver";
        List<LabelledCase> cases = new ArrayList<>();
        for (MsdCase c : ds.training()) {
            cases.add(new LabelledCase(c.id(), c.image(), c.label()));
        }
        if (caseList != null) {
            cases = select(cases, readCaseList(caseList), caseList);
        }
        if (maxCases > 0 && cases.size() > maxCases) {
            cases = cases.subList(0, maxCases);
        }
        if (cases.size() < 2) {
            throw new IllegalArgumentException(data + ": need at least 2 labelled cases to train and validate, found " + cases.size());
        }
        CaseSplit.Split split = capValidation(CaseSplit.split(cases), maxValidationCases);
        PreprocessingSpec pre = new PreprocessingSpec(new HuWindow(window[0], window[1]), Normalization.UNIT, size, channels);
        UNetConfig arch = new UNetConfig(channels, classNames.size(), base > 0 ? base : vessel ? 16 : 8, levels, attention);
        TrainingConfig config = new TrainingConfig(epochs, batch, lr, 0.5f, 3, 5, loss, oversample, slicesPerEpoch, seed,
                jitter, augment, DeviceSetting.parse(device));
        o.printf("data %s: %d cases → %d training, %d validation; %s%n", data, cases.size(), split.training().size(),
                split.validation().size(), arch);
        o.flush();
        NiftiReader reader = NiftiReader.defaults();
        SliceSet trainSet = SliceSet.load(split.training(), pre, arch.classes(), reader);
        SliceSet valSet = SliceSet.load(split.validation(), pre, arch.classes(), reader);
        o.printf("slices: %d training, %d validation at %d², %d channel(s); %.1f GB in memory%n", trainSet.size(),
                valSet.size(), size, channels, (trainSet.storedBytes() + valSet.storedBytes()) / 1e9);
        o.flush();
        Path checkpoints = out.resolve("checkpoint");
        Path initialWeights = null;
        UNetConfig initialArch = arch;
        String parentVersion = parent;
        if (initFrom != null) {
            ModelManifest init = ModelPackage.readManifest(initFrom);
            initialArch = init.architecture().toConfig();
            if (!initialArch.equals(arch) && !InputWidening.widens(initialArch, arch)) {
                throw new IllegalArgumentException(initFrom + ": architecture " + initialArch
                        + " differs from the one to train, " + arch + " (only 1 → 3 input channels may differ)");
            }
            initialWeights = initFrom.resolve(init.parameters().file());
            parentVersion = parent != null ? parent : init.version();
        }
        Trainer.Result result = Trainer.train(trainSet, valSet, arch, classNames, config, checkpoints, resume,
                initialWeights, initialArch, new ConsoleProgress(o, System.console() != null));
        String fingerprint = DatasetFingerprint.of(cases);
        ModelManifest manifest = new ModelManifest(ModelManifest.FORMAT, modelName, version, parentVersion, Instant.now().toString(),
                ModelManifest.Architecture.of(arch), classNames, ModelManifest.Preprocessing.of(pre),
                vessel ? ModelManifest.Postprocessing.none() : ModelManifest.Postprocessing.liver(1, 2),
                new ModelManifest.Training(fingerprint, split.training().stream().map(LabelledCase::name).toList(),
                        split.validation().stream().map(LabelledCase::name).toList(), config.toMap(),
                        result.epochsRun(), result.bestEpoch()),
                new ModelManifest.Metrics(result.validationDice(), result.meanForegroundDice(), null), null);
        writePackage(out, checkpoints, arch, size, manifest);
        o.printf("wrote %s (best epoch %d, validation Dice %s)%n", out, result.bestEpoch(), format(result.validationDice()));
        o.flush();
        return 0;
    }

    /** Case names of a list file: one a line, blank lines and {@code #} comments skipped. */
    static List<String> readCaseList(Path file) throws IOException {
        List<String> names = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            int hash = line.indexOf('#');
            String name = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (!name.isEmpty()) {
                names.add(name);
            }
        }
        return names;
    }

    /** The cases named, in the list's order; a name missing from the data or listed twice is an error naming it. */
    static List<LabelledCase> select(List<LabelledCase> cases, List<String> names, Path listFile) {
        Map<String, LabelledCase> byName = new HashMap<>();
        cases.forEach(c -> byName.put(c.name(), c));
        Set<String> seen = new HashSet<>();
        List<LabelledCase> selected = new ArrayList<>();
        for (String n : names) {
            LabelledCase c = byName.get(n);
            if (c == null) {
                throw new IllegalArgumentException(listFile + ": case '" + n + "' is not in the data's dataset.json");
            }
            if (!seen.add(n)) {
                throw new IllegalArgumentException(listFile + ": case '" + n + "' is listed twice");
            }
            selected.add(c);
        }
        return selected;
    }

    /** The split with at most {@code max} validation cases (the first ones; 0 = no limit). */
    static CaseSplit.Split capValidation(CaseSplit.Split split, int max) {
        if (max < 0) {
            throw new IllegalArgumentException("--max-validation-cases must be 0 (all) or positive, got " + max);
        }
        if (max == 0 || split.validation().size() <= max) {
            return split;
        }
        return new CaseSplit.Split(split.training(), List.copyOf(split.validation().subList(0, max)));
    }

    /** Loads the best checkpoint into a fresh network and writes it as the package. */
    static void writePackage(Path out, Path checkpoints, UNetConfig arch, int size, ModelManifest manifest) throws Exception {
        DjlEnvironment.init();
        AttentionResUNetBlock block = AttentionResUNet.builder().fromConfig(arch).build();
        try (Model model = Model.newInstance(ModelPackage.MODEL_NAME, ai.djl.Device.cpu(), DjlEnvironment.engine().getEngineName())) {
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, arch.inputChannels(), size, size));
            model.load(checkpoints, Trainer.BEST);
            ModelPackage.save(out, model, manifest);
        }
    }

    static String format(Map<String, Double> dice) {
        StringBuilder sb = new StringBuilder();
        dice.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ')
                .append(String.format(Locale.ROOT, "%.4f", v)));
        return sb.toString();
    }

    /** Progress on the console: one updating line on a terminal, a line every few steps otherwise. */
    static final class ConsoleProgress implements TrainingProgress {
        private final PrintWriter out;
        private final boolean terminal;

        ConsoleProgress(PrintWriter out, boolean terminal) {
            this.out = out;
            this.terminal = terminal;
        }

        @Override
        public void step(int epoch, int step, int steps, float loss, double slicesPerSec, double etaSeconds) {
            String line = String.format(Locale.ROOT, "epoch %d step %d/%d loss %.4f %.1f slices/s ETA %s",
                    epoch, step, steps, loss, slicesPerSec, duration(etaSeconds));
            if (terminal) {
                out.print("\r" + line + "   ");
                out.flush();
            } else if (step == steps || step % Math.max(1, steps / 4) == 0) {
                out.println(line);
                out.flush();
            }
        }

        @Override
        public void epoch(EpochReport r) {
            if (terminal) {
                out.println();
            }
            out.printf(Locale.ROOT, "epoch %d/%d done in %s: loss %.4f, validation Dice %s (mean %.4f), lr %.2e%s%n",
                    r.epoch(), r.epochs(), duration(r.seconds()), r.meanLoss(), format(r.validationDice()),
                    r.meanForegroundDice(), r.learningRate(), r.improved() ? "  [best]" : "");
            out.flush();
        }

        static String duration(double seconds) {
            long s = Math.round(seconds);
            return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60) : String.format("%dm%02ds", s / 60, s % 60);
        }
    }
}
