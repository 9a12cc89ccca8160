package io.liverseg.training;

import io.liverseg.imaging.dataset.DatasetFingerprint;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.nifti.NiftiWriter;
import io.liverseg.imaging.phantom.PhantomCase;
import io.liverseg.imaging.phantom.PhantomGenerator;
import io.liverseg.imaging.phantom.PhantomOptions;
import io.liverseg.localstack.LocalStack;
import io.liverseg.model.DjlEnvironment;
import io.liverseg.storage.ModelRegistry;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Not a test: times one whole run of training-service's {@link TrainingRunner} (download, train, package, publish,
 * evaluate candidate and champion, decide) on N phantoms in a real S3 server (local-stack), without Kafka (events
 * are dropped) or Quarkus. The bootstrap package models/liver is the champion.
 *
 * <pre>
 * ./mvnw -q -o -pl training-service exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.liverseg.training.RunBenchmark \
 *   -Dexec.args="CASES SIZE SLICES EPOCHS SLICES_PER_EPOCH BATCH BASE LEVELS TARGET"
 * </pre>
 */
public final class RunBenchmark {
    private RunBenchmark() {
    }

    public static void main(String[] a) throws Exception {
        int cases = Integer.parseInt(a[0]);
        int size = Integer.parseInt(a[1]);
        int slices = Integer.parseInt(a[2]);
        RunRequest request = new RunRequest("liver", Integer.parseInt(a[3]), Integer.parseInt(a[5]), null, null, null,
                Integer.parseInt(a[4]), Integer.parseInt(a[6]), Integer.parseInt(a[7]), Integer.parseInt(a[8]), null, null,
                null, null, null, null, null, -2.0, true);
        DjlEnvironment.init();
        Path home = Path.of(System.getProperty("liverseg.home", ".")).toAbsolutePath();
        try (LocalStack stack = LocalStack.start(LocalStack.Options.defaults().withKafka(false))) {
            ObjectStore store = new ObjectStore(stack.s3Client(), "liverseg");
            store.ensureBucket();
            ModelRegistry registry = new ModelRegistry(store);
            registry.seed("liver", home.resolve("models/liver"));
            Path tmp = Files.createTempDirectory("run-bench-");
            TrainingServiceConfig.Training t = config(tmp);
            DatasetStore datasets = new DatasetStore(store);
            long g0 = System.nanoTime();
            for (int i = 0; i < cases; i++) {
                PhantomCase p = new PhantomGenerator(PhantomOptions.defaults().withSize(size).withSlices(slices, slices)
                        .withSeed(1000 + i)).generate(0);
                Path image = tmp.resolve(i + "-image.nii.gz");
                Path label = tmp.resolve(i + "-label.nii.gz");
                NiftiWriter.write(p.image(), image);
                NiftiWriter.write(p.label(), label);
                String id = DatasetFingerprint.fileHash(image);
                store.putFile(ObjectKeys.image(id, true), image, "application/gzip");
                store.putFile(ObjectKeys.label(id, true), label, "application/gzip");
                datasets.add("liver", new DatasetManifest.Case(id, id, ObjectKeys.image(id, true), ObjectKeys.label(id, true),
                        null, id, DatasetFingerprint.fileHash(label), "upload", "now", 0));
            }
            System.out.printf("%d phantoms %d² × %d slices written and stored in %d ms%n", cases, size, slices,
                    (System.nanoTime() - g0) / 1_000_000);
            RunStore runs = new RunStore(store);
            Events events = new Events(null, null, null);
            TrainingServiceConfig config = new TrainingServiceConfig() {
                public String bucket() { return "liverseg"; }
                public Registry registry() {
                    return new Registry() {
                        public Optional<Path> seedDir() { return Optional.empty(); }
                        public Path cacheDir() { return tmp.resolve("cache"); }
                    };
                }
                public Training training() { return t; }
            };
            NiftiReader reader = NiftiReader.defaults();
            TrainingRunner runner = new TrainingRunner(store, registry, datasets, runs, new Evaluator(reader),
                    new Promotions(registry, events), events, reader, config,
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
            RunSettings s = RunSettings.resolve(request, t);
            RunRecord queued = RunRecord.queued(Runs.newId(), "liver", "benchmark", null, java.time.Instant.now().toString(),
                    request, s.toMap(), 0, s.training().epochs());
            long t0 = System.nanoTime();
            RunRecord done = runner.run(queued);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println(new String(Json.write(done)));
            System.out.printf("RUN %s in %d ms: %s%n", done.status(), ms, done.reason());
            System.out.printf("training slices/s (last epoch) %.2f; evaluation candidate %d ms, champion %d ms%n",
                    done.progress().slicesPerSec(), done.evaluation() == null ? -1 : done.evaluation().candidate().millis(),
                    done.evaluation() == null || done.evaluation().champion() == null ? -1
                            : done.evaluation().champion().millis());
        }
    }

    private static TrainingServiceConfig.Training config(Path tmp) {
        TrainingServiceConfig.Training base = RunSettingsTest.config(-2);
        return new TrainingServiceConfig.Training() {
            public String defaultTask() { return "liver"; }
            public List<String> tasks() { return List.of("liver", "vessels"); }
            public int triggerNewCases() { return 0; }
            public double promotionMargin() { return -2; }
            public boolean autoPromote() { return true; }
            public Optional<Duration> scheduleEvery() { return Optional.empty(); }
            public Path workDir() { return tmp.resolve("work"); }
            public int minCases() { return 2; }
            public Duration progressInterval() { return Duration.ofSeconds(5); }
            public int evaluationBatchSize() { return 8; }
            public String device() { return "cpu"; }
            public TrainingServiceConfig.Defaults defaults() { return base.defaults(); }
        };
    }
}
