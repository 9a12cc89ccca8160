package io.liverseg.inference;

import io.liverseg.model.DjlEnvironment;
import io.liverseg.model.predict.TestTimeAugmentation;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Configuration of inference-service ({@code liverseg.*}). */
@ConfigMapping(prefix = "liverseg")
public interface InferenceConfig {

    /** The one bucket of the mesh (scans, work, masks, models). */
    @WithDefault("liverseg")
    String bucket();

    /** Segmentation tasks (the same key as ingest-service's): always listed in a scan's status. */
    @WithDefault("liver,vessels")
    List<String> tasks();

    /** Prediction settings. */
    Inference inference();

    /** Model registry settings. */
    Registry registry();

    /** The gRPC segmentation API (liverseg.segmentation.v1.Segmentation). */
    Grpc grpc();

    /** Prediction settings. */
    interface Inference {
        /** Where the network runs: {@code cpu}, {@code gpu} (fails without one) or {@code auto}. */
        @WithDefault("cpu")
        String device();

        /**
         * Test-time augmentation of the streaming path: {@code none}, {@code flip} (the left–right mirror too; only
         * for models trained with mirroring) or {@code shift} (four copies moved by 4 pixels, 5 forward passes a
         * batch). {@code true} and {@code false}, this key's values before {@code shift} existed, read as
         * {@code flip} and {@code none}.
         */
        @WithDefault("none")
        @WithConverter(TtaConverter.class)
        TestTimeAugmentation tta();

        /**
         * Most slices in one forward pass, for the streaming path and gRPC alike (a 32-slice batch runs as four
         * passes of 8): smaller passes need less memory, and at 8 the CPU forward was faster than at 32. The same
         * slices give the same labels whatever this is up to floating-point rounding, which can flip a rare voxel.
         */
        @WithDefault("8")
        int forwardBatch();

        /**
         * Forward passes run at once on CPU, each with cores / lanes torch intra-op threads: a 32-slice batch is
         * four passes of 8, two at a time at the default. On 2 cores two single-threaded passes side by side took
         * 73 % of the time of one two-threaded pass after another (BENCHMARKS.md §3, session 12); 1 = one pass at
         * a time with every core, as before. More than the cores counts as the cores; a GPU always runs one.
         * Memory: each lane holds one pass's intermediates.
         */
        @WithDefault("" + DjlEnvironment.DEFAULT_FORWARD_LANES)
        int lanes();

        /**
         * The nice value given to the service's helper threads (the mask finisher, the batch prefetch, the Kafka
         * clients' threads, Vert.x's blocked-thread checker and acceptor; not its event loops, which create the
         * workers that run forward passes and would pass the value on) on Linux, 1–19; 0 leaves every thread at
         * the process's priority. The
         * forward passes keep every core busy and wait for each other: the threads of one pass at every operation,
         * the lanes of one batch at its end. A helper that takes a core for a few milliseconds stalls them all, so
         * helpers should only get a core the forward passes leave idle (BENCHMARKS.md §3, session 12).
         */
        @WithDefault("10")
        int helperNiceness();

        /** Model versions of one task kept loaded; the least recently used one beyond this is closed. */
        @WithDefault("2")
        int modelsPerTask();

        /**
         * Keep a scan's intermediates in {@code work/{scan}/} (slice batches, mask parts) after its masks are stored,
         * e.g. to look at what the network was given. By default a task's mask parts are deleted once its mask is
         * stored, and the slice batches once every task that reads them has its mask (storage's
         * {@code WorkCleanup}): they are derived patient data, and ≈ 18 MB a 512×512×300 scan.
         */
        @WithDefault("false")
        boolean keepWork();
    }

    /** Model registry settings. */
    interface Registry {
        /**
         * A directory with one model package per sub-folder ({@code liver/}, {@code vessel/} → tasks liver and
         * vessels) published to the registry on start when the task has no champion yet. Unset: no seeding.
         */
        Optional<Path> seedDir();

        /** Where packages fetched from the registry are kept on local disk. */
        @WithDefault("${java.io.tmpdir}/liverseg-models")
        Path cacheDir();
    }

    /** The gRPC segmentation API. */
    interface Grpc {
        /**
         * Segmentations that run at once. Each one is a whole CT through the network on the shared cores (and
         * the DJL intra-op threads of every call compete for them), so on a 2-core machine more than 1 only
         * adds memory.
         */
        @WithDefault("1")
        int maxConcurrent();

        /**
         * Requests that may wait (uploading or waiting for a slot) beyond {@code max-concurrent}; one more is
         * refused at once with RESOURCE_EXHAUSTED. Uploads are spooled to disk, so waiting costs disk, not heap.
         */
        @WithDefault("4")
        int maxQueued();

        /** Largest upload accepted (bytes of the file as sent); beyond it RESOURCE_EXHAUSTED. */
        @WithDefault("2147483648")
        long maxUploadBytes();

        /**
         * Canonical slices per network batch. Must equal preprocess-service's {@code liverseg.preprocess.batch-size}
         * (32) for the mask to be bit-identical to the streaming path's: the batch composition reaches the
         * network's floating point.
         */
        @WithDefault("32")
        int batchSize();

        /** Bytes of the mask per response message. */
        @WithDefault("1048576")
        int chunkBytes();

        /** Where uploads and masks are spooled (deleted when the call ends, however it ends). */
        @WithDefault("${java.io.tmpdir}")
        Path tempDir();
    }
}
