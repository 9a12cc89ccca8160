package io.liverseg.model.predict;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.liverseg.model.DjlEnvironment;
import io.liverseg.model.net.AttentionResUNetBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * Runs the network on NCHW float batches and returns per-pixel labels (argmax over classes). A batch larger than
 * the forward batch is run as chunks (passes) of at most that many slices, each in its own NDManager closed when
 * the pass ends: DJL frees a forward's intermediates only when their manager closes, so memory stays bounded by
 * {@link #lanes()} passes however many slices a call brings. With more than one lane (on CPU, as
 * {@link DjlEnvironment#initForInference} set up the process) a call's passes run side by side, the calling
 * thread taking one and {@code forward-lane} threads the others. The chunks depend only on the call's slices, the
 * forward batch and the lanes, so two callers of one process that pass the same batches get bit-identical labels.
 */
public final class SlicePredictor {
    /**
     * Slices per forward pass by default. At 8 a 256² pass of the vessel model needs about a quarter of the memory
     * of one at 32, its tensors are small enough for glibc's malloc to reuse, and it ran 20 % faster than at 32 on
     * the 2-core CPU (BENCHMARKS.md §3, session 10).
     */
    public static final int DEFAULT_FORWARD_BATCH = 8;

    /** Name of the threads that run passes beside the calling thread. */
    public static final String LANE_THREAD = "forward-lane";

    /**
     * Threads that run a call's passes beside the calling thread ({@link #lanes()}); shared by every predictor of
     * the process, created when needed (with the creating caller's CPU priority), daemons (they never keep the
     * JVM alive).
     */
    private static final ExecutorService LANES = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, LANE_THREAD);
        t.setDaemon(true);
        return t;
    });

    /** {@link #queuedLanes}, by number of lanes (in practice one entry: the process's lanes). */
    private static final Map<Integer, ExecutorService> QUEUED_LANES = new HashMap<>();

    private final Model model;
    private final AttentionResUNetBlock block;
    private final int forwardBatch;
    private final int lanes;

    public SlicePredictor(Model model, AttentionResUNetBlock block) {
        this(model, block, DEFAULT_FORWARD_BATCH);
    }

    /**
     * With the process's forward lanes ({@link DjlEnvironment#forwardLanes()}; 1 on a GPU).
     *
     * @param forwardBatch most slices in one forward pass
     */
    public SlicePredictor(Model model, AttentionResUNetBlock block, int forwardBatch) {
        this(model, block, forwardBatch, model.getNDManager().getDevice().isGpu() ? 1 : DjlEnvironment.forwardLanes());
    }

    /**
     * @param forwardBatch most slices in one forward pass
     * @param lanes        passes of one call run at once (the calling thread and {@code lanes - 1} others); 1 runs
     *                     them one after another on the calling thread
     */
    public SlicePredictor(Model model, AttentionResUNetBlock block, int forwardBatch, int lanes) {
        if (forwardBatch < 1) {
            throw new IllegalArgumentException("forward batch must be at least 1, got " + forwardBatch);
        }
        if (lanes < 1) {
            throw new IllegalArgumentException("lanes must be at least 1, got " + lanes);
        }
        this.model = model;
        this.block = block;
        this.forwardBatch = forwardBatch;
        this.lanes = lanes;
    }

    /** Most slices in one forward pass. */
    public int forwardBatch() {
        return forwardBatch;
    }

    /** Forward passes one call runs at once. */
    public int lanes() {
        return lanes;
    }

    /**
     * Labels for {@code n} slices of {@code c × h × w}, row-major per slice.
     *
     * @param tta test-time augmentation ({@link TestTimeAugmentation#NONE} for one pass per chunk)
     */
    public byte[] predict(float[] data, int n, int c, int h, int w, TestTimeAugmentation tta) {
        return passes(data, n, c, h, w, tta, (probs, first) -> { });
    }

    /**
     * As {@link #predict}, but the passes are queued to the process's {@link #lanes()} queued lanes and the call
     * returns at once. Passes of consecutive calls run back to back in the order they were queued, so a lane that
     * finishes the last pass of one call starts on the next call's first pass, where a {@link #predict} call's
     * passes wait for one another at its end. The labels are exactly those of {@link #predict}: the same passes of
     * the same slices. Callers bound how many calls they leave in flight; each holds its slices until its last
     * pass. {@code bench pipeline} times the model this way beside {@link Segmenter}'s batch after batch (the
     * inference service, which queued its batches like this for a while, gained nothing: model/README.md).
     *
     * @return the labels, and when the call's first pass began and its last ended
     */
    public CompletableFuture<Queued> predictQueued(float[] data, int n, int c, int h, int w,
                                                   TestTimeAugmentation tta) {
        checkLength(data, n, c, h, w);
        byte[] labels = new byte[n * h * w];
        int size = passSize(n, forwardBatch, lanes);
        int count = (n + size - 1) / size;
        CompletableFuture<Queued> result = new CompletableFuture<>();
        AtomicInteger remaining = new AtomicInteger(count);
        AtomicLong started = new AtomicLong(Long.MAX_VALUE);
        ExecutorService queue = queuedLanes(lanes);
        for (int i = 0; i < count; i++) {
            int first = i * size;
            int k = Math.min(size, n - first);
            Runnable pass = () -> {
                if (result.isDone()) {
                    return; // an earlier pass of this call failed
                }
                started.accumulateAndGet(System.nanoTime(), Math::min);
                try {
                    // passes write disjoint ranges of labels; the last decrement below publishes them
                    pass(data, labels, first, k, c, h, w, tta, (probs, f) -> { });
                } catch (RuntimeException | Error e) {
                    result.completeExceptionally(e);
                    return;
                }
                if (remaining.decrementAndGet() == 0) {
                    result.complete(new Queued(labels, started.get(), System.nanoTime()));
                }
            };
            try {
                queue.execute(pass);
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                break;
            }
        }
        return result;
    }

    /**
     * The labels of a {@link #predictQueued} call.
     *
     * @param labels       n × h × w, as {@link #predict} gives them
     * @param startedNanos {@link System#nanoTime()} when its first pass began
     * @param endedNanos   {@link System#nanoTime()} when its last pass ended
     */
    public record Queued(byte[] labels, long startedNanos, long endedNanos) {
    }

    /**
     * The queued lanes: {@code lanes} threads that take passes in the order they were queued; created at the first
     * {@link #predictQueued} with that many lanes (with that caller's CPU priority, as {@link #LANES}), daemons.
     */
    private static synchronized ExecutorService queuedLanes(int lanes) {
        return QUEUED_LANES.computeIfAbsent(lanes, n -> {
            ThreadPoolExecutor pool = new ThreadPoolExecutor(n, n, 0, TimeUnit.MILLISECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, LANE_THREAD);
                        t.setDaemon(true);
                        return t;
                    });
            pool.prestartAllCoreThreads();
            return pool;
        });
    }

    /**
     * Labels and class probabilities for {@code n} slices of {@code c × h × w}: the labels are exactly those of
     * {@link #predict} (argmax of the float probabilities; with augmentation, of their mean), the probabilities
     * are quantised to bytes, p × 255 rounded, laid out (n, classes, h, w).
     */
    public Probabilities predictProbabilities(float[] data, int n, int c, int h, int w, TestTimeAugmentation tta) {
        int classes = block.config().classes();
        byte[] quantised = new byte[n * classes * h * w];
        byte[] labels = passes(data, n, c, h, w, tta, (probs, first) -> {
            // rounding, not truncation, so a certain class reads 255
            byte[] q = probs.mul(255f).round().clip(0, 255).toType(DataType.UINT8, false).toByteArray();
            System.arraycopy(q, 0, quantised, first * classes * h * w, q.length);
        });
        return new Probabilities(labels, quantised, classes);
    }

    /** What else a caller takes from one pass: its class probabilities (k, classes, h, w) from slice {@code first}. */
    private interface PassResult {
        void accept(NDArray probabilities, int first);
    }

    /**
     * The labels of all {@code n} slices, one forward pass per chunk of at most {@link #forwardBatch} slices in its
     * own NDManager; {@code more} sees each pass's probabilities before its manager closes.
     */
    private byte[] passes(float[] data, int n, int c, int h, int w, TestTimeAugmentation tta, PassResult more) {
        checkLength(data, n, c, h, w);
        byte[] labels = new byte[n * h * w];
        int size = passSize(n, forwardBatch, lanes);
        int count = (n + size - 1) / size;
        // passes write disjoint ranges of labels; the joins below publish them to the caller
        IntConsumer pass = i -> pass(data, labels, i * size, Math.min(size, n - i * size), c, h, w, tta, more);
        int helpers = Math.min(lanes, count) - 1;
        if (helpers == 0) {
            for (int i = 0; i < count; i++) {
                pass.accept(i);
            }
            return labels;
        }
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        Runnable lane = () -> {
            int i;
            while (!failed.get() && (i = next.getAndIncrement()) < count) {
                try {
                    pass.accept(i);
                } catch (RuntimeException | Error e) {
                    failed.set(true);
                    throw e;
                }
            }
        };
        List<Future<?>> others = new ArrayList<>();
        for (int l = 0; l < helpers; l++) {
            others.add(LANES.submit(lane));
        }
        Throwable failure = null;
        try {
            lane.run();
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (Future<?> f : others) {
            try {
                f.get();
            } catch (ExecutionException e) {
                failure = failure == null ? e.getCause() : failure;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed.set(true);
                failure = failure == null ? e : failure;
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        } else if (failure instanceof Error err) {
            throw err;
        } else if (failure != null) {
            throw new IllegalStateException("forward pass interrupted", failure);
        }
        return labels;
    }

    /** One forward pass over slices {@code first .. first + k} in its own NDManager, its labels into {@code labels}. */
    private void pass(float[] data, byte[] labels, int first, int k, int c, int h, int w, TestTimeAugmentation tta,
                      PassResult more) {
        try (NDManager m = model.getNDManager().newSubManager()) {
            NDArray probs = probabilities(m, chunk(data, first, k, c * h * w), k, c, h, w, tta);
            byte[] part = probs.argMax(1).toType(DataType.UINT8, false).toByteArray();
            System.arraycopy(part, 0, labels, first * h * w, part.length);
            more.accept(probs, first);
        }
    }

    /**
     * Slices per pass: at most the forward batch, and small enough that every lane gets one when the call has
     * fewer slices than lanes × forward batch (12 slices in 2 lanes: two passes of 6, not 8 and 4).
     */
    static int passSize(int n, int forwardBatch, int lanes) {
        return Math.max(1, Math.min(forwardBatch, (n + lanes - 1) / lanes));
    }

    private static void checkLength(float[] data, int n, int c, int h, int w) {
        if (n < 1 || (long) n * c * h * w != data.length) {
            throw new IllegalArgumentException(data.length + " values are not " + n + " slices of " + c + "x" + h
                    + "x" + w);
        }
    }

    /** Slices {@code first .. first + k} of the batch; the array itself when that is all of it. */
    private static float[] chunk(float[] data, int first, int k, int perSlice) {
        return first == 0 && k * perSlice == data.length ? data
                : Arrays.copyOfRange(data, first * perSlice, (first + k) * perSlice);
    }

    /**
     * Labels with the class probabilities they were taken from.
     *
     * @param labels    n × h × w argmax labels
     * @param quantised n × classes × h × w probabilities as round(p × 255), unsigned bytes
     * @param classes   number of classes
     */
    public record Probabilities(byte[] labels, byte[] quantised, int classes) {
    }

    /**
     * Labels and the attention maps of every decoder level for one batch: maps are (n, 1, h_l, w_l) with
     * α ∈ [0, 1], finest level first, copied out as float arrays.
     */
    public Prediction predictWithAttention(float[] data, int n, int c, int h, int w) {
        try (NDManager m = model.getNDManager().newSubManager()) {
            NDArray x = m.create(data, new Shape(n, c, h, w));
            NDList out = block.forwardWithAttention(new ParameterStore(m, false), new NDList(x), false);
            byte[] labels = out.head().argMax(1).toType(DataType.UINT8, false).toByteArray();
            List<float[]> maps = new ArrayList<>();
            List<Shape> shapes = new ArrayList<>();
            for (int i = 1; i < out.size(); i++) {
                maps.add(out.get(i).toType(DataType.FLOAT32, false).toFloatArray());
                shapes.add(out.get(i).getShape());
            }
            return new Prediction(labels, maps, shapes);
        }
    }

    /** Softmax over classes, (n, classes, h, w); with augmentation the mean over the passes. */
    private NDArray probabilities(NDManager m, float[] data, int n, int c, int h, int w, TestTimeAugmentation tta) {
        NDArray x = m.create(data, new Shape(n, c, h, w));
        NDArray probs = forward(m, x).softmax(1);
        return switch (tta) {
            case NONE -> probs;
            case FLIP -> probs.add(forward(m, x.flip(3)).softmax(1).flip(3)).div(2f);
            case SHIFT -> shiftAveraged(m, data, probs, n, c, h, w);
        };
    }

    /**
     * {@link TestTimeAugmentation#SHIFT}: {@code unshifted} (the plain pass's probabilities) plus one pass per
     * shifted copy, each mapped back; a pixel's mean is over the copies whose view contained it.
     */
    private NDArray shiftAveraged(NDManager m, float[] data, NDArray unshifted, int n, int c, int h, int w) {
        int s = TestTimeAugmentation.SHIFT_PIXELS;
        int[][] shifts = {{s, 0}, {-s, 0}, {0, s}, {0, -s}};
        Shape shape = unshifted.getShape();
        int classes = (int) shape.get(1);
        float[] sum = unshifted.toFloatArray();
        int[] seen = new int[h * w];
        Arrays.fill(seen, 1);
        for (int[] d : shifts) {
            int dx = d[0];
            int dy = d[1];
            float[] moved = shifted(data, n * c, h, w, dx, dy);
            float[] p;
            try (NDManager pass = m.newSubManager()) {
                p = forward(pass, pass.create(moved, new Shape(n, c, h, w))).softmax(1).toFloatArray();
            }
            // the copy's pixel (x + dx, y + dy) saw the original pixel (x, y)
            for (int y = Math.max(0, -dy); y < Math.min(h, h - dy); y++) {
                for (int x = Math.max(0, -dx); x < Math.min(w, w - dx); x++) {
                    seen[y * w + x]++;
                }
            }
            for (int plane = 0; plane < n * classes; plane++) {
                int base = plane * h * w;
                for (int y = Math.max(0, -dy); y < Math.min(h, h - dy); y++) {
                    int to = base + y * w;
                    int from = base + (y + dy) * w + dx;
                    for (int x = Math.max(0, -dx); x < Math.min(w, w - dx); x++) {
                        sum[to + x] += p[from + x];
                    }
                }
            }
        }
        for (int plane = 0; plane < n * classes; plane++) {
            int base = plane * h * w;
            for (int i = 0; i < h * w; i++) {
                sum[base + i] /= seen[i];
            }
        }
        return m.create(sum, shape);
    }

    /**
     * {@code planes} planes of {@code h × w} moved by (dx, dy): output (x, y) holds input (x − dx, y − dy), the
     * nearest edge pixel where that falls outside.
     */
    static float[] shifted(float[] data, int planes, int h, int w, int dx, int dy) {
        float[] out = new float[data.length];
        for (int plane = 0; plane < planes; plane++) {
            int base = plane * h * w;
            for (int y = 0; y < h; y++) {
                int row = base + Math.min(h - 1, Math.max(0, y - dy)) * w;
                for (int x = 0; x < w; x++) {
                    out[base + y * w + x] = data[row + Math.min(w - 1, Math.max(0, x - dx))];
                }
            }
        }
        return out;
    }

    private NDArray forward(NDManager m, NDArray x) {
        return block.forward(new ParameterStore(m, false), new NDList(x), false).head();
    }

    /** Labels with the attention maps (finest level first) and their shapes. */
    public record Prediction(byte[] labels, List<float[]> attention, List<Shape> attentionShapes) {
    }
}
