package io.liverseg.model.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.liverseg.model.DeviceSetting;
import io.liverseg.model.DjlEnvironment;
import io.liverseg.model.loss.DiceCrossEntropyLoss;
import io.liverseg.model.net.AttentionResUNet;
import io.liverseg.model.net.AttentionResUNetBlock;
import io.liverseg.model.net.AttentionType;
import io.liverseg.model.net.FusedInference;
import io.liverseg.model.net.NetworkCost;
import io.liverseg.model.net.UNetConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Forward / training-step benchmark of the Attention Residual UNet (not a test). Prints Markdown rows.
 *
 * <pre>
 * ./mvnw -q -pl model exec:java -Dexec.args="--threads 2 --sizes 256,512 --batches 1,8,32"
 * </pre>
 *
 * Options: {@code --device cpu|gpu|auto} (cpu), {@code --threads N} (torch intra-op threads; default
 * DJL's, i.e. the core count), {@code --sizes}, {@code --batches}, {@code --iters N} (timed iterations
 * per case, 5), {@code --warmup N} (2), {@code --train-batch N} (8; 0 skips the training step),
 * {@code --train-size N} (256), {@code --matmul N} (2048; 0 skips), {@code --base N} (8),
 * {@code --attention dot|additive}, {@code --channels-last true|false} (true), {@code --fused true|false}
 * (false; true folds the batch norms into the convolutions, {@link FusedInference}),
 * {@code --omp-wait-policy PASSIVE|ACTIVE|default} (PASSIVE unless OMP_WAIT_POLICY is set; see
 * {@link DjlEnvironment}). Each case runs in its own sub-manager so memory is freed between
 * cases; ms/slice is the median over the timed iterations divided by the batch size.
 */
public final class ForwardBenchmark {

    private ForwardBenchmark() {}

    /** Runs the benchmark; see the class comment for the options. */
    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        if (o.threads > 0) {
            System.setProperty(DjlEnvironment.NUM_THREADS, Integer.toString(o.threads));
        }
        if (o.ompWaitPolicy != null) {
            System.setProperty(DjlEnvironment.OMP_WAIT_POLICY_PROPERTY, o.ompWaitPolicy);
        }
        DjlEnvironment.engine(); // loads libtorch, which JniUtils below needs
        Device device = o.device.resolve();
        System.out.printf(Locale.ROOT, "# device=%s torch intra-op threads=%d inter-op=%d OMP_WAIT_POLICY=%s"
                        + " (process env %s) OMP_NUM_THREADS=%s%n",
                device, JniUtils.getNumThreads(), JniUtils.getNumInteropThreads(),
                DjlEnvironment.nativeOmpWaitPolicy(), System.getenv("OMP_WAIT_POLICY"), System.getenv("OMP_NUM_THREADS"));

        try (NDManager manager = DjlEnvironment.newManager(device)) {
            if (o.matmul > 0) {
                matmul(manager, o.matmul, o.iters);
            }
            UNetConfig config = new UNetConfig(1, 3, o.base, 5, o.attention);
            AttentionResUNetBlock net =
                    AttentionResUNet.builder().fromConfig(config).optChannelsLast(o.channelsLast).build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 256, 256));
            long macs256 = NetworkCost.macsPerSample(net, 256, 256);
            System.out.printf(Locale.ROOT, "# channels-last=%s fused-bn=%s%n", o.channelsLast, o.fused);
            System.out.printf(Locale.ROOT, "# network %s: %d MAC/slice at 256² = %.3f GMAC = %.3f GFLOP%n",
                    config, macs256, macs256 / 1e9, 2 * macs256 / 1e9);
            System.out.println("| size | batch | ms/slice (median) | ms/slice (min) | GFLOP/s (median) | other processes (cores) | peak RSS so far (GiB) |");
            System.out.println("|---|---|---|---|---|---|---|");
            ParameterStore ps = new ParameterStore(manager, false);
            try (FusedInference fused = o.fused ? FusedInference.of(net, manager) : null) {
                for (int size : o.sizes) {
                    long macs = NetworkCost.macsPerSample(net, size, size);
                    for (int batch : o.batches) {
                        forward(manager, net, fused, ps, size, batch, macs, o);
                    }
                }
            }
            if (o.trainBatch > 0) {
                trainStep(device, config, o);
            }
        }
    }

    private static void matmul(NDManager manager, int n, int iters) {
        try (NDManager m = manager.newSubManager()) {
            NDArray a = m.randomNormal(new Shape(n, n));
            NDArray b = m.randomNormal(new Shape(n, n));
            double[] ms = new double[iters];
            CpuContention contention = null;
            for (int i = -2; i < iters; i++) {
                if (i == 0) {
                    contention = CpuContention.start();
                }
                try (NDManager step = m.newSubManager()) {
                    long t = System.nanoTime();
                    NDArray c = a.matMul(b);
                    c.tempAttach(step);
                    sync(c);
                    if (i >= 0) {
                        ms[i] = (System.nanoTime() - t) / 1e6;
                    }
                }
            }
            double med = median(ms);
            System.out.printf(Locale.ROOT, "# matmul %d×%d float32: median %.1f ms, %.1f GFLOP/s (best %.1f GFLOP/s);"
                            + " other processes %.2f cores%n",
                    n, n, med, 2.0 * n * n * n / med / 1e6, 2.0 * n * n * n / min(ms) / 1e6, contention.otherCores());
        }
    }

    private static void forward(NDManager manager, AttentionResUNetBlock net, FusedInference fused, ParameterStore ps,
            int size, int batch, long macs, Options o) {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.randomNormal(new Shape(batch, 1, size, size));
            double[] ms = new double[o.iters];
            CpuContention contention = null;
            for (int i = -o.warmup; i < o.iters; i++) {
                if (i == 0) {
                    contention = CpuContention.start();
                }
                try (NDManager step = m.newSubManager()) {
                    x.tempAttach(step);
                    long t = System.nanoTime();
                    NDList out = fused != null ? fused.forward(x) : net.forward(ps, new NDList(x), false);
                    sync(out.head());
                    double elapsed = (System.nanoTime() - t) / 1e6;
                    if (i >= 0) {
                        ms[i] = elapsed / batch;
                    }
                }
            }
            double med = median(ms);
            System.out.printf(Locale.ROOT, "| %d² | %d | %.1f | %.1f | %.1f | %.2f | %.1f |%n",
                    size, batch, med, min(ms), 2.0 * macs / med / 1e6, contention.otherCores(), peakRssGib());
        } catch (RuntimeException | OutOfMemoryError e) {
            System.out.printf(Locale.ROOT, "| %d² | %d | failed: %s | | | | |%n", size, batch, e);
        }
    }

    private static void trainStep(Device device, UNetConfig config, Options o) {
        int batch = o.trainBatch;
        int size = o.trainSize;
        AttentionResUNetBlock net =
                AttentionResUNet.builder().fromConfig(config).optChannelsLast(o.channelsLast).build();
        try (Model model = Model.newInstance("bench", device, "PyTorch")) {
            model.setBlock(net);
            DefaultTrainingConfig cfg = new DefaultTrainingConfig(DiceCrossEntropyLoss.builder().build())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-4f)).build())
                    .optDevices(new Device[] {device});
            try (Trainer trainer = model.newTrainer(cfg)) {
                trainer.initialize(new Shape(batch, 1, size, size));
                NDManager tm = trainer.getManager();
                double[] ms = new double[o.iters];
                CpuContention contention = null;
                for (int i = -o.warmup; i < o.iters; i++) {
                    if (i == 0) {
                        contention = CpuContention.start();
                    }
                    try (NDManager step = tm.newSubManager()) {
                        NDArray x = step.randomNormal(new Shape(batch, 1, size, size));
                        NDArray y = step.randomInteger(0, config.classes(), new Shape(batch, size, size), DataType.INT32);
                        long t = System.nanoTime();
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDList pred = trainer.forward(new NDList(x));
                            NDArray loss = trainer.getLoss().evaluate(new NDList(y), pred);
                            gc.backward(loss);
                        }
                        trainer.step();
                        sync(net.getParameters().get(0).getValue().getArray());
                        if (i >= 0) {
                            ms[i] = (System.nanoTime() - t) / 1e6;
                        }
                    }
                }
                double med = median(ms);
                long macs = NetworkCost.macsPerSample(net, size, size);
                // Backward costs about twice the forward (gradients w.r.t. inputs and weights): ~3× forward.
                System.out.printf(Locale.ROOT, "# train step (forward+backward+Adam) batch %d %d²: median %.0f ms"
                                + " (%.1f ms/slice, min %.0f ms), ≈%.1f GFLOP/s at 3× forward FLOPs;"
                                + " other processes %.2f cores%n",
                        batch, size, med, med / batch, min(ms), 3.0 * 2 * macs * batch / med / 1e6,
                        contention.otherCores());
            }
        }
    }

    /** The process's peak resident set (VmHWM, Linux), native memory included; NaN elsewhere. */
    private static double peakRssGib() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux
        }
        return Double.NaN;
    }

    /** Forces completion (GPU) with a scalar read; on the CPU the ops are synchronous anyway. */
    private static void sync(NDArray a) {
        a.get(0).sum().getFloat();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static final class Options {
        DeviceSetting device = DeviceSetting.CPU;
        int threads;
        int[] sizes = {256, 512};
        int[] batches = {1, 8, 32};
        int iters = 5;
        int warmup = 2;
        int trainBatch = 8;
        int trainSize = 256;
        int matmul = 2048;
        int base = 8;
        AttentionType attention = AttentionType.DOT_PRODUCT;
        boolean channelsLast = true;
        boolean fused;
        String ompWaitPolicy;

        static Options parse(String[] args) {
            Options o = new Options();
            List<String> a = new ArrayList<>(Arrays.asList(args));
            for (int i = 0; i < a.size(); i++) {
                String key = a.get(i);
                if (i + 1 >= a.size()) {
                    throw new IllegalArgumentException("missing value for " + key);
                }
                String v = a.get(++i);
                switch (key) {
                    case "--device" -> o.device = DeviceSetting.parse(v);
                    case "--threads" -> o.threads = Integer.parseInt(v);
                    case "--sizes" -> o.sizes = ints(v);
                    case "--batches" -> o.batches = ints(v);
                    case "--iters" -> o.iters = Integer.parseInt(v);
                    case "--warmup" -> o.warmup = Integer.parseInt(v);
                    case "--train-batch" -> o.trainBatch = Integer.parseInt(v);
                    case "--train-size" -> o.trainSize = Integer.parseInt(v);
                    case "--matmul" -> o.matmul = Integer.parseInt(v);
                    case "--omp-wait-policy" -> o.ompWaitPolicy = v;
                    case "--fused" -> o.fused = Boolean.parseBoolean(v);
                    case "--channels-last" -> o.channelsLast = Boolean.parseBoolean(v);
                    case "--base" -> o.base = Integer.parseInt(v);
                    case "--attention" -> o.attention = "additive".equalsIgnoreCase(v)
                            ? AttentionType.ADDITIVE : AttentionType.DOT_PRODUCT;
                    default -> throw new IllegalArgumentException("unknown option " + key);
                }
            }
            if (o.iters < 1) {
                throw new IllegalArgumentException("--iters must be >= 1");
            }
            return o;
        }

        private static int[] ints(String csv) {
            return csv.isBlank() ? new int[0] : Arrays.stream(csv.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        }
    }
}
