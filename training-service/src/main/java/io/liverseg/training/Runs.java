package io.liverseg.training;

import io.liverseg.model.DjlEnvironment;
import io.liverseg.storage.RegistrySeeding;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The run queue: triggers (API, N new labelled cases, the optional schedule) create queued run records in S3; one
 * worker thread takes them oldest first, one run at a time, so a trigger during a run waits in the queue. On start
 * the queue is read back from S3: queued runs run, a run that was running when the service stopped is recorded as
 * failed with that reason (never silently dropped, never silently repeated).
 */
@ApplicationScoped
public class Runs {
    private static final Logger LOG = Logger.getLogger(Runs.class);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final RunStore runs;
    private final DatasetStore datasets;
    private final TrainingRunner runner;
    private final RegistrySeeding seeder;
    private final TrainingServiceConfig config;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "liverseg-training");
        t.setDaemon(true);
        return t;
    });
    private ScheduledExecutorService schedule;
    /** The run on the worker thread, or null. */
    private volatile String current;

    Runs(RunStore runs, DatasetStore datasets, TrainingRunner runner, RegistrySeeding seeder, TrainingServiceConfig config) {
        this.runs = runs;
        this.datasets = datasets;
        this.runner = runner;
        this.seeder = seeder;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        // before anything loads the engine: offline mode, thread and OpenMP settings
        DjlEnvironment.init();
        worker.submit(this::recoverAndDrain);
        config.training().scheduleEvery().ifPresent(every -> {
            schedule = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "liverseg-training-schedule");
                t.setDaemon(true);
                return t;
            });
            schedule.scheduleAtFixedRate(this::scheduled, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
            LOG.infof("schedule: every %s, a run for each task with new labelled cases", every);
        });
    }

    /**
     * Queues a run.
     *
     * @param trigger "api", "new-cases" or "schedule"
     * @throws RunSettings.InvalidSetting a setting is out of range (nothing queued)
     */
    public RunRecord submit(RunRequest request, String trigger, String why) {
        RunSettings s = RunSettings.resolve(request, config.training());
        RunRequest stored = request.task() == null ? request.withTask(s.task()) : request;
        String now = Instant.now().toString();
        RunRecord r = RunRecord.queued(newId(), s.task(), trigger, why, now, stored, s.toMap(),
                datasets.get(s.task()).lastSeq(), s.training().epochs());
        runs.save(r);
        LOG.infof("run %s queued (%s): task %s%s", r.id(), trigger, s.task(), why == null ? "" : ", " + why);
        worker.submit(this::drain);
        return r;
    }

    /**
     * After a dataset change: queues a run when {@code trigger-new-cases} cases were added or corrected since the
     * task's last run, unless a run of the task already waits (it will take the new cases when it starts).
     */
    public synchronized Optional<RunRecord> onDatasetChanged(DatasetManifest manifest) {
        int n = config.training().triggerNewCases();
        if (n <= 0) {
            return Optional.empty();
        }
        String task = manifest.task();
        int fresh = manifest.changedSince(runs.coveredSeq(task));
        if (fresh < n) {
            return Optional.empty();
        }
        if (runs.hasQueued(task)) {
            LOG.infof("task %s: %d new labelled cases; a queued run will take them", task, fresh);
            return Optional.empty();
        }
        return Optional.of(submit(RunRequest.forTask(task), "new-cases", fresh + " new labelled cases since the last"
                + " run (liverseg.training.trigger-new-cases = " + n + ")"));
    }

    private synchronized void scheduled() {
        for (String task : config.training().tasks()) {
            try {
                DatasetManifest m = datasets.get(task);
                int fresh = m.changedSince(runs.coveredSeq(task));
                if (fresh > 0 && !runs.hasQueued(task)) {
                    submit(RunRequest.forTask(task), "schedule", fresh + " new labelled cases since the last run");
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "schedule: task %s not checked: %s", task, e.getMessage());
            }
        }
    }

    /**
     * Start-up: a run recorded as running was cut off when the service stopped; it is recorded as failed with that
     * reason (not repeated silently: the crash may have been the run's own doing, e.g. out of memory).
     */
    void recover() {
        runs.load();
        for (var r : runs.list()) {
            if (RunRecord.RUNNING.equals(r.status()) && !r.id().equals(current)) {
                String why = "interrupted: training-service stopped during the run (phase " + r.progress().phase()
                        + "); queue a new run to repeat it";
                runs.save(r.finish(RunRecord.FAILED, why, Instant.now().toString()));
                LOG.warnf("run %s: %s", r.id(), why);
            }
        }
    }

    private void recoverAndDrain() {
        try {
            seeder.ensureReady();
            recover();
        } catch (Exception e) {
            LOG.errorf(e, "the run queue could not be read from S3 at start (retried with the next trigger): %s",
                    e.getMessage());
            return;
        }
        drain();
    }

    /** Runs queued runs, oldest first, until none is left (on the single worker thread). */
    private void drain() {
        while (true) {
            Optional<RunRecord> next;
            try {
                seeder.ensureReady();
                next = runs.nextQueued();
            } catch (Exception e) {
                LOG.errorf(e, "the run queue could not be read: %s", e.getMessage());
                return;
            }
            if (next.isEmpty()) {
                return;
            }
            current = next.get().id();
            try {
                runner.run(next.get());
            } finally {
                current = null;
            }
            if (runs.get(next.get().id()).filter(r -> RunRecord.QUEUED.equals(r.status())).isPresent()) {
                LOG.errorf("run %s is still queued after it ran (S3 not writable?): the queue stops until the next"
                        + " trigger", next.get().id());
                return;
            }
        }
    }

    static String newId() {
        byte[] b = new byte[2];
        RANDOM.nextBytes(b);
        return ID_TIME.format(Instant.now()) + "-" + HexFormat.of().formatHex(b);
    }

    @PreDestroy
    void stop() {
        worker.shutdownNow();
        if (schedule != null) {
            schedule.shutdownNow();
        }
    }
}
