package io.liverseg.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.util.Locale;

/**
 * The one place that prepares DJL before its PyTorch engine loads.
 *
 * <p>{@link #init()} forces {@code ai.djl.offline=true} (no call-home or model-zoo access at run time;
 * the libtorch natives come from the {@code pytorch-native-cpu} jar on the classpath, or from
 * {@code PYTORCH_LIBRARY_PATH} on a GPU image) and fills in threading defaults that suit a small shared
 * CPU box unless the caller already set them:
 *
 * <ul>
 *   <li>torch inter-op threads 1 (that pool only serves TorchScript fork/join);
 *   <li>{@code OMP_WAIT_POLICY=PASSIVE} in the process's native environment, unless the environment
 *       already has a value or {@link #OMP_WAIT_POLICY_PROPERTY} says otherwise. libtorch's bundled GNU
 *       OpenMP reads it once when it is loaded; with the default (spinning) policy a second busy process
 *       on a 2-core machine stalled forwards 8–12× (BENCHMARK-NOTES.md).
 * </ul>
 *
 * Both are only read when the engine starts, so every entry point of this module calls {@code init()}
 * before touching {@link Engine}; if something loaded the engine earlier, they have no effect.
 */
public final class DjlEnvironment {

    /**
     * DJL's offline switch: stops the engine's call-home (EC2 metadata endpoint) and model-zoo/repository
     * access. It does not stop native-library downloads in DJL 0.36 — those are avoided by having the
     * natives on the classpath or in {@code PYTORCH_LIBRARY_PATH}.
     */
    public static final String OFFLINE = "ai.djl.offline";
    /** Torch intra-op threads (at::set_num_threads), read by DJL's PtEngine at start-up. */
    public static final String NUM_THREADS = "ai.djl.pytorch.num_threads";
    /** Torch inter-op threads (at::set_num_interop_threads), read by DJL's PtEngine at start-up. */
    public static final String NUM_INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";
    /** PyTorch's TorchScript graph optimizer; irrelevant for imperative blocks, and it logs a warning. */
    public static final String GRAPH_OPTIMIZER = "ai.djl.pytorch.graph_optimizer";

    /**
     * System property with the OpenMP wait policy to put into the native environment when
     * {@code OMP_WAIT_POLICY} is unset: {@code PASSIVE} (default), {@code ACTIVE}, or {@code default}
     * to leave the environment alone.
     */
    public static final String OMP_WAIT_POLICY_PROPERTY = "liverseg.omp_wait_policy";

    /** The environment variable glibc reads its tunables from, once, when a process starts. */
    public static final String GLIBC_TUNABLES_ENV = "GLIBC_TUNABLES";
    /**
     * glibc malloc settings under which libtorch's CPU tensors stop costing page faults. By default glibc serves
     * each large tensor (tens to hundreds of MB for a 32-slice batch) with a fresh {@code mmap} and unmaps it when
     * it is freed, so every forward pass faults in, and the kernel zeroes, gigabytes again: 18 million minor
     * faults and 38 s of system time for one liver and one vessel pass over a 300-slice scan. One arena that
     * takes large blocks from the heap ({@code mmap_max=0}; a thread's own arena could not hold them) and never
     * trims what is freed lets the next pass reuse the same pages: 30–45 % faster forwards, at the price of the
     * process keeping its peak native memory. A JVM cannot set this for itself (glibc reads it before Java
     * starts): the {@code liverseg} launcher, the local stack (for its inference services) and the inference image
     * set it. Keep forward passes small under it (model/README.md; BENCHMARKS.md §3, session 10).
     */
    public static final String MALLOC_TUNABLES =
            "glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736";

    private static final String OMP_WAIT_POLICY_ENV = "OMP_WAIT_POLICY";
    private static final String ENGINE = "PyTorch";

    /**
     * Forward passes at once on CPU by default: the inference service's {@code liverseg.inference.lanes} and the
     * CLI's {@code --lanes}, so that a model-only run runs as the service does.
     */
    public static final int DEFAULT_FORWARD_LANES = 2;

    private static volatile boolean initialised;
    /** Set once the engine was handed out: from then on its thread settings are fixed. */
    private static volatile boolean engineLoaded;
    /** Concurrent forward passes per prediction call ({@link #forwardLanes()}). */
    private static volatile int forwardLanes = 1;

    private DjlEnvironment() {}

    /**
     * Sets the DJL system properties; idempotent. Call before the first {@link Engine} or
     * {@link NDManager} use (the engine reads them once).
     */
    public static synchronized void init() {
        // Always offline, whatever the caller set: nothing in liverseg may reach the network at run time.
        System.setProperty(OFFLINE, "true");
        if (initialised) {
            return;
        }
        // The inter-op pool only serves TorchScript fork/join, which imperative DJL blocks never use;
        // one thread avoids an idle pool competing for the two cores.
        setIfAbsent(NUM_INTEROP_THREADS, "1");
        setIfAbsent(GRAPH_OPTIMIZER, "false");
        applyOmpWaitPolicy();
        initialised = true;
    }

    /**
     * Prepares this process for prediction with {@code lanes} forward passes at once, each with cores / lanes
     * torch intra-op threads, then {@link #init()}. On 2 cores two single-threaded passes side by side did the
     * work of one two-threaded pass after another in 73 % of the time (a 300-slice scan through both models:
     * 21.2–22.2 s against 28.8–29.2 s, BENCHMARKS.md §3, session 12): a pass's two threads meet at a barrier after
     * every operation and wait there for each other, for Java's share of each operation, and for any other thread
     * that took a core for a moment; two independent passes keep both cores busy instead.
     *
     * <p>Call it before the engine loads (before the first model): the intra-op thread count is fixed then, for
     * the whole process. Training keeps {@link #init()}: it runs one pass at a time with every core.
     *
     * @param lanes  forward passes at once; more than the cores counts as the cores
     * @param device where the passes will run: a GPU runs one pass at a time, so {@link DeviceSetting#GPU} only
     *               does {@link #init()}
     * @return the lanes in effect: 1 on a GPU, when the engine was loaded already, or when {@value #NUM_THREADS}
     *         was set by the caller (then the passes run one after another with that many threads, as before)
     */
    public static synchronized int initForInference(int lanes, DeviceSetting device) {
        if (lanes < 1) {
            throw new IllegalArgumentException("forward lanes must be at least 1, got " + lanes);
        }
        if (device == DeviceSetting.GPU) {
            init();
            return 1;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        int effective = Math.min(lanes, cores);
        if (!engineLoaded && effective > 1 && System.getProperty(NUM_THREADS) == null) {
            System.setProperty(NUM_THREADS, Integer.toString(Math.max(1, cores / effective)));
            forwardLanes = effective;
        }
        init();
        return forwardLanes;
    }

    /**
     * Forward passes one prediction call may run at once on CPU ({@code SlicePredictor}): what
     * {@link #initForInference} set up, else 1.
     */
    public static int forwardLanes() {
        return forwardLanes;
    }

    /** The OpenMP wait policy in the native environment (what libgomp will read), or null if unset. */
    public static String nativeOmpWaitPolicy() {
        if (Platform.isWindows()) {
            return System.getenv(OMP_WAIT_POLICY_ENV);
        }
        Function getenv = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("getenv");
        return getenv.invokeString(new Object[] {OMP_WAIT_POLICY_ENV}, false);
    }

    private static void applyOmpWaitPolicy() {
        String policy = System.getProperty(OMP_WAIT_POLICY_PROPERTY, "PASSIVE").trim().toUpperCase(Locale.ROOT);
        if (System.getenv(OMP_WAIT_POLICY_ENV) != null || "DEFAULT".equals(policy) || policy.isEmpty()
                || Platform.isWindows()) {
            return; // an explicit environment wins; Windows builds of libtorch do not use libgomp
        }
        if (!"PASSIVE".equals(policy) && !"ACTIVE".equals(policy)) {
            throw new IllegalArgumentException(OMP_WAIT_POLICY_PROPERTY + " must be PASSIVE, ACTIVE or default, got "
                    + policy);
        }
        // Java cannot change its environment; libc's setenv changes the one libgomp will read when DJL
        // loads it. Done once, before any native library of the engine is loaded.
        Function setenv = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("setenv");
        int rc = setenv.invokeInt(new Object[] {OMP_WAIT_POLICY_ENV, policy, 0});
        if (rc != 0) {
            throw new IllegalStateException("setenv(" + OMP_WAIT_POLICY_ENV + ") failed: " + rc);
        }
    }

    /** This process's {@code GLIBC_TUNABLES}, or null when it has none (what its malloc was started with). */
    public static String glibcTunables() {
        return System.getenv(GLIBC_TUNABLES_ENV);
    }

    /** The PyTorch engine, loaded offline. */
    public static Engine engine() {
        init();
        engineLoaded = true;
        return Engine.getEngine(ENGINE);
    }

    /** A new base manager on {@code device}, after {@link #init()}; the caller closes it. */
    public static NDManager newManager(Device device) {
        return NDManager.newBaseManager(device, engine().getEngineName());
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
