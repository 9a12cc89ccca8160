package io.liverseg.training;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.liverseg.imaging.dataset.CaseSplit;
import io.liverseg.imaging.dataset.DatasetFingerprint;
import io.liverseg.imaging.dataset.LabelledCase;
import io.liverseg.imaging.dataset.SliceSet;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.messaging.KafkaEvents;
import io.liverseg.model.DjlEnvironment;
import io.liverseg.model.net.AttentionResUNet;
import io.liverseg.model.net.AttentionResUNetBlock;
import io.liverseg.model.net.UNetConfig;
import io.liverseg.model.pkg.ModelManifest;
import io.liverseg.model.pkg.ModelPackage;
import io.liverseg.model.train.Trainer;
import io.liverseg.model.train.TrainingProgress;
import io.liverseg.proto.events.v1.TrainingRunFinished;
import io.liverseg.storage.ModelRegistry;
import io.liverseg.storage.ObjectStore;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Executes one run on the calling (worker) thread: the manifest's cases downloaded to a local work folder, the
 * model module's {@link Trainer} with the run's settings, the best epoch packaged and published to the registry as
 * the next version (status candidate, lineage: parent = the champion, dataset fingerprint, settings, metrics),
 * then candidate and champion evaluated on the same validation cases and the promotion decision applied. Every
 * step updates the run record; any failure ends the run as failed with the reason.
 */
@ApplicationScoped
public class TrainingRunner {
    /** Training runs ended, by {@code task} and {@code status} (succeeded or failed). */
    public static final String METRIC_RUNS = "liverseg.training.runs";

    private static final Logger LOG = Logger.getLogger(TrainingRunner.class);

    private final ObjectStore store;
    private final ModelRegistry registry;
    private final DatasetStore datasets;
    private final RunStore runs;
    private final Evaluator evaluator;
    private final Promotions promotions;
    private final Events events;
    private final NiftiReader reader;
    private final TrainingServiceConfig config;
    private final MeterRegistry meters;

    TrainingRunner(ObjectStore store, ModelRegistry registry, DatasetStore datasets, RunStore runs, Evaluator evaluator,
                   Promotions promotions, Events events, NiftiReader reader, TrainingServiceConfig config,
                   MeterRegistry meters) {
        this.meters = meters;
        this.store = store;
        this.registry = registry;
        this.datasets = datasets;
        this.runs = runs;
        this.evaluator = evaluator;
        this.promotions = promotions;
        this.events = events;
        this.reader = reader;
        this.config = config;
    }

    /** Runs a queued run to its end (succeeded or failed); never throws. */
    public RunRecord run(RunRecord queued) {
        Tracker t = new Tracker(queued);
        Path work = config.training().workDir().resolve(queued.id());
        try {
            RunSettings s = RunSettings.resolve(queued.request(), config.training());
            DatasetManifest manifest = datasets.get(s.task());
            String parent = registry.champion(s.task()).map(ModelRegistry.Champion::version).orElse(null);
            t.update(queued.started(now(), Math.max(queued.datasetSeq(), manifest.lastSeq()), parent), true);
            LOG.infof("run %s started: task %s, %d labelled cases, champion %s, settings %s", queued.id(), s.task(),
                    manifest.cases().size(), parent, s.toMap());
            String reason = execute(t, s, manifest, work);
            t.update(t.get().finish(RunRecord.SUCCEEDED, reason, now()), true);
            LOG.infof("run %s succeeded: %s", queued.id(), reason);
        } catch (Throwable e) {
            String reason = reason(e);
            if (e instanceof RunFailure) {
                LOG.errorf("run %s failed: %s", queued.id(), reason);
            } else {
                LOG.errorf(e, "run %s failed: %s", queued.id(), reason);
            }
            try {
                t.update(t.get().finish(RunRecord.FAILED, reason, now()), true);
            } catch (RuntimeException saving) {
                LOG.errorf(saving, "run %s: the failure could not be recorded", queued.id());
            }
        } finally {
            deleteTree(work);
        }
        finished(t.get());
        return t.get();
    }

    private String execute(Tracker t, RunSettings s, DatasetManifest manifest, Path work) throws Exception {
        String task = s.task();
        List<DatasetManifest.Case> chosen = manifest.cases().stream().sorted(Comparator.comparingLong(DatasetManifest.Case::seq))
                .toList();
        if (s.maxCases() > 0 && chosen.size() > s.maxCases()) {
            chosen = chosen.subList(0, s.maxCases());
        }
        int min = Math.max(2, config.training().minCases());
        if (chosen.size() < min) {
            throw new RunFailure("task " + task + " has " + chosen.size() + " labelled case(s) in " + "datasets/" + task
                    + "/manifest.json; a run needs at least " + min + " (liverseg.training.min-cases, and at least one"
                    + " for training and one for validation)");
        }
        List<LabelledCase> cases = download(t, chosen, work);
        CaseSplit.Split split = capValidation(CaseSplit.split(cases), s.maxValidationCases());
        String fingerprint = DatasetFingerprint.of(cases);
        if (!fingerprint.equals(manifest.fingerprint()) && chosen.size() == manifest.cases().size()) {
            LOG.warnf("run %s: the downloaded cases have fingerprint %s, the manifest says %s (objects changed since"
                    + " they were labelled); the package records the downloaded one", t.get().id(), fingerprint,
                    manifest.fingerprint());
        }
        t.update(t.get().withPhase("loading", now()), true);
        SliceSet training = SliceSet.load(split.training(), s.preprocessing(), s.architecture().classes(), reader);
        SliceSet validation = SliceSet.load(split.validation(), s.preprocessing(), s.architecture().classes(), reader);
        t.update(t.get().withDataset(new RunRecord.Dataset(fingerprint, cases.size(), names(split.training()),
                names(split.validation()), training.size(), validation.size())).withPhase("training", now()), true);

        Path checkpoints = work.resolve("checkpoint");
        String parent = t.get().parentVersion();
        Path initialWeights = s.initFromChampion() && parent != null ? championWeights(task, parent, s) : null;
        Trainer.Result result = Trainer.train(training, validation, s.architecture(), s.classNames(), s.training(),
                checkpoints, false, initialWeights, t);

        t.update(t.get().withPhase("packaging", now()), true);
        String version = registry.nextVersion(task);
        ModelManifest manifestOut = new ModelManifest(ModelManifest.FORMAT, RunSettings.modelName(task), version, parent,
                now(), ModelManifest.Architecture.of(s.architecture()), s.classNames(),
                ModelManifest.Preprocessing.of(s.preprocessing()), RunSettings.postprocessing(task),
                new ModelManifest.Training(fingerprint, names(split.training()), names(split.validation()),
                        trainingConfig(s, t.get().id()), result.epochsRun(), result.bestEpoch()),
                new ModelManifest.Metrics(result.validationDice(), result.meanForegroundDice(), null), null);
        Path packageDir = work.resolve("package");
        writePackage(packageDir, checkpoints, s.architecture(), s.preprocessing().targetSize(), manifestOut);
        registry.publish(task, packageDir);
        Map<String, Double> trainingMetrics = new LinkedHashMap<>();
        result.validationDice().forEach((k, v) -> trainingMetrics.put("validation_dice_" + k, v));
        trainingMetrics.put("validation_mean_foreground_dice", result.meanForegroundDice());
        registry.mark(task, version, ModelRegistry.CANDIDATE, "trained by run " + t.get().id() + " on " + cases.size()
                + " cases (" + fingerprint + "), parent " + parent, trainingMetrics);
        t.update(t.get().withModel(version), true);
        LOG.infof("run %s: candidate %s %s published (validation Dice %s)", t.get().id(), task, version,
                result.validationDice());

        if (!s.autoPromote()) {
            return "candidate " + version + " published; automatic evaluation and promotion are off for this run";
        }
        t.update(t.get().withPhase("evaluating", now()), true);
        int batch = config.training().evaluationBatchSize();
        RunRecord.Score candidate = evaluator.evaluate(packageDir, version, split.validation(), batch, s.training().device());
        String champion = registry.champion(task).map(ModelRegistry.Champion::version).orElse(null);
        RunRecord.Score championScore = null;
        if (champion != null) {
            Path championDir = registry.fetch(task, champion, config.registry().cacheDir());
            championScore = evaluator.evaluate(championDir, champion, split.validation(), batch, s.training().device());
        }
        Promotions.Decision d = promotions.decideAndApply(task, version, candidate, champion, championScore,
                s.promotionMargin(), split.validation().size(), t.get().id());
        t.update(t.get().withEvaluation(new RunRecord.Evaluation(names(split.validation()), candidate, championScore,
                s.promotionMargin(), d.decision(), d.reason())), true);
        return d.reason();
    }

    /** The cases' image and label files under {@code work/imagesTr} and {@code work/labelsTr} (MSD-like). */
    private List<LabelledCase> download(Tracker t, List<DatasetManifest.Case> chosen, Path work) throws IOException {
        Path images = Files.createDirectories(work.resolve("imagesTr"));
        Path labels = Files.createDirectories(work.resolve("labelsTr"));
        List<LabelledCase> cases = new ArrayList<>();
        for (DatasetManifest.Case c : chosen) {
            Path image = images.resolve(c.name() + LabelInspector.suffix(c.imageKey()));
            Path label = labels.resolve(c.name() + LabelInspector.suffix(c.labelKey()));
            if (!store.download(c.imageKey(), image)) {
                throw new RunFailure("case " + c.name() + ": image " + c.imageKey() + " is not in bucket " + store.bucket());
            }
            if (!store.download(c.labelKey(), label)) {
                throw new RunFailure("case " + c.name() + ": label " + c.labelKey() + " is not in bucket " + store.bucket());
            }
            cases.add(new LabelledCase(c.name(), image, label));
        }
        return cases;
    }

    private Path championWeights(String task, String champion, RunSettings s) throws IOException {
        Path dir = registry.fetch(task, champion, config.registry().cacheDir());
        ModelManifest m = ModelPackage.readManifest(dir);
        UNetConfig arch = m.architecture().toConfig();
        if (!arch.equals(s.architecture()) || !m.preprocessing().toSpec().equals(s.preprocessing())) {
            throw new RunFailure("init_from_champion: champion " + champion + " has architecture " + arch + " and "
                    + m.preprocessing().toSpec() + ", the run asks for " + s.architecture() + " and " + s.preprocessing());
        }
        return dir.resolve(m.parameters().file());
    }

    private static Map<String, Object> trainingConfig(RunSettings s, String runId) {
        Map<String, Object> m = new LinkedHashMap<>(s.training().toMap());
        m.put("run_id", runId);
        m.put("max_cases", s.maxCases());
        m.put("max_validation_cases", s.maxValidationCases());
        m.put("init_from_champion", s.initFromChampion());
        return m;
    }

    /** The split with at most {@code max} validation cases (the first ones; 0 = no limit). */
    static CaseSplit.Split capValidation(CaseSplit.Split split, int max) {
        if (max == 0 || split.validation().size() <= max) {
            return split;
        }
        return new CaseSplit.Split(split.training(), List.copyOf(split.validation().subList(0, max)));
    }

    /** Loads the best checkpoint into a fresh network and writes it as a package (model.json last). */
    static void writePackage(Path out, Path checkpoints, UNetConfig arch, int size, ModelManifest manifest) throws Exception {
        DjlEnvironment.init();
        AttentionResUNetBlock block = AttentionResUNet.builder().fromConfig(arch).build();
        try (Model model = Model.newInstance(ModelPackage.MODEL_NAME, ai.djl.Device.cpu(),
                DjlEnvironment.engine().getEngineName())) {
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, arch.inputChannels(), size, size));
            model.load(checkpoints, Trainer.BEST);
            ModelPackage.save(out, model, manifest);
        }
    }

    private void finished(RunRecord r) {
        meters.counter(METRIC_RUNS, "task", r.task(), "status", r.status()).increment();
        TrainingRunFinished.Builder f = TrainingRunFinished.newBuilder()
                .setRunId(r.id())
                .setTask(r.task())
                .setStatus(r.status())
                .setReason(r.reason() == null ? "" : r.reason())
                .setModelVersion(r.modelVersion() == null ? "" : r.modelVersion())
                .setParentVersion(r.parentVersion() == null ? "" : r.parentVersion())
                .setDatasetFingerprint(r.dataset() == null || r.dataset().fingerprint() == null ? "" : r.dataset().fingerprint())
                .setBucket(store.bucket())
                .setFinishedAt(KafkaEvents.timestamp(Instant.now()));
        RunRecord.Evaluation e = r.evaluation();
        if (e != null) {
            f.setDecision(e.decision()).setCandidateDice(e.candidate().meanForegroundDice()).setMargin(e.margin());
            if (e.champion() != null) {
                f.setChampionDice(e.champion().meanForegroundDice());
            }
        }
        events.finished(f.build());
    }

    private static List<String> names(List<LabelledCase> cases) {
        return cases.stream().map(LabelledCase::name).toList();
    }

    static String reason(Throwable e) {
        if (e instanceof RunFailure) {
            return e.getMessage();
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root && root.getMessage() == null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    private static String now() {
        return Instant.now().toString();
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (IOException e) {
            LOG.warnf("could not delete the work folder %s: %s", p, e.getMessage());
        }
    }

    /** A run that cannot go on, with the reason for humans. */
    static final class RunFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RunFailure(String message) {
            super(message);
        }
    }

    /**
     * The run's record as it changes: saved to S3 with a progress event on every phase and epoch, and at most
     * every {@code progress-interval} during an epoch.
     */
    final class Tracker implements TrainingProgress {
        private volatile RunRecord current;
        private long lastSave;

        Tracker(RunRecord r) {
            this.current = r;
        }

        RunRecord get() {
            return current;
        }

        synchronized void update(RunRecord r, boolean persist) {
            current = r;
            long now = System.nanoTime();
            if (persist || now - lastSave >= config.training().progressInterval().toNanos()) {
                lastSave = now;
                try {
                    runs.save(r);
                } catch (RuntimeException e) {
                    if (persist && r.finished()) {
                        throw e;
                    }
                    LOG.warnf("run %s: progress not saved: %s", r.id(), e.getMessage());
                }
                events.progress(progressEvent(r));
            }
        }

        @Override
        public void step(int epoch, int step, int steps, float loss, double slicesPerSec, double etaSeconds) {
            RunRecord.Progress p = current.progress();
            update(current.withProgress(new RunRecord.Progress("training", epoch, p.epochs(), step, steps, loss,
                    slicesPerSec, etaSeconds, p.validationDice(), p.meanForegroundDice(), now())), false);
        }

        @Override
        public void epoch(EpochReport r) {
            RunRecord.Progress p = current.progress();
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("epoch", r.epoch());
            e.put("loss", r.meanLoss());
            e.put("validation_dice", r.validationDice());
            e.put("mean_foreground_dice", r.meanForegroundDice());
            e.put("learning_rate", r.learningRate());
            e.put("improved", r.improved());
            e.put("seconds", r.seconds());
            double eta = p.etaSeconds();
            update(current.withEpoch(e, new RunRecord.Progress("training", r.epoch(), r.epochs(), p.step(), p.steps(),
                    p.loss(), p.slicesPerSec(), eta, r.validationDice(), r.meanForegroundDice(), now())), true);
            LOG.info(String.format(Locale.ROOT, "run %s epoch %d/%d: loss %.4f, validation Dice %s (mean %.4f)%s",
                    current.id(), r.epoch(), r.epochs(), r.meanLoss(), r.validationDice(), r.meanForegroundDice(),
                    r.improved() ? " [best]" : ""));
        }
    }

    static io.liverseg.proto.events.v1.TrainingProgress progressEvent(RunRecord r) {
        RunRecord.Progress p = r.progress();
        return io.liverseg.proto.events.v1.TrainingProgress.newBuilder()
                .setRunId(r.id())
                .setTask(r.task())
                .setStatus(r.status())
                .setEpoch(p.epoch())
                .setEpochs(p.epochs())
                .setStep(p.step())
                .setSteps(p.steps())
                .setLoss(p.loss())
                .putAllValidationDice(p.validationDice() == null ? Map.of() : p.validationDice())
                .setMeanForegroundDice(p.meanForegroundDice())
                .setEtaSeconds(p.etaSeconds())
                .setSlicesPerSec(p.slicesPerSec())
                .setReason(Optional.ofNullable(r.finished() ? r.reason() : p.phase()).orElse(""))
                .setAt(KafkaEvents.timestamp(Instant.now()))
                .build();
    }
}
