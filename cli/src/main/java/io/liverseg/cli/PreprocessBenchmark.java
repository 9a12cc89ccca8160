package io.liverseg.cli;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.preprocess.PreprocessingSpec;
import io.liverseg.imaging.preprocess.StreamingSlicer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.zip.GZIPInputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Reads a CT .nii.gz, reorients it to RAS+, windows, resamples to the target size and emits slice batches
 * (the streaming path: batches are made while the file still inflates),
 * timing the whole against just inflating the file, and reporting peak heap against the decoded voxel bytes.
 */
@Command(name = "preprocess", mixinStandardHelpOptions = true,
        description = {"Time and peak heap of read → reorient → window → resample → slice batches.",
            "Without --in, a 512×512×300 int16 LPS phantom CT is generated first (not timed)."})
final class PreprocessBenchmark implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--in", description = "A CT .nii.gz to read (default: generate a phantom).")
    Path in;

    @Option(names = "--work", description = "Where to write the generated phantom (default: a temp dir).")
    Path work;

    @Option(names = "--size", defaultValue = "256", description = "Target in-plane size (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--batch", defaultValue = "32", description = "Slices per batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--repeat", defaultValue = "3", description = "Timed repetitions; the best is reported (default ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path file = in != null ? in : BenchData.phantomCt(work, 512, 300);
        PreprocessingSpec pre = new PreprocessingSpec(PreprocessingSpec.defaults().window(),
                PreprocessingSpec.defaults().normalization(), size, 1);
        long bestInflate = Long.MAX_VALUE;
        long bestTotal = Long.MAX_VALUE;
        long peak = 0;
        long decoded = 0;
        int batches = 0;
        String orientation = "";
        for (int r = 0; r < repeat; r++) {
            bestInflate = Math.min(bestInflate, inflateOnly(file));
            System.gc();
            resetPeaks();
            long t0 = System.nanoTime();
            double[] checksum = {0};
            int[] emitted = {0};
            Volume source = StreamingSlicer.readAndSlice(NiftiReader.defaults(), file, pre, batch, b -> {
                checksum[0] += b.data()[b.data().length / 2];
                emitted[0]++;
            });
            batches = emitted[0];
            decoded = source.voxels().byteSize();
            orientation = source.orientation();
            bestTotal = Math.min(bestTotal, System.nanoTime() - t0);
            peak = Math.max(peak, peakHeap());
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("file", file.toString());
        o.put("file_bytes", Files.size(file));
        o.put("orientation", orientation);
        o.put("decoded_voxel_bytes", decoded);
        o.put("batches", batches);
        o.put("inflate_ms", bestInflate / 1e6);
        o.put("total_ms", bestTotal / 1e6);
        o.put("total_over_inflate", (double) bestTotal / bestInflate);
        o.put("peak_heap_bytes", peak);
        o.put("peak_heap_over_decoded", (double) peak / decoded);
        o.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(o));
        } else {
            o.forEach((k, v) -> out.printf("%-24s %s%n", k, v));
        }
        out.flush();
        return 0;
    }

    /** Time to decompress the file and discard the bytes: the floor for anything that reads it. */
    static long inflateOnly(Path file) throws IOException {
        long t0 = System.nanoTime();
        byte[] buf = new byte[1 << 16];
        try (InputStream s = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16), 1 << 16)) {
            while (s.read(buf) >= 0) {
                // discard
            }
        }
        return System.nanoTime() - t0;
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                p.resetPeakUsage();
            }
        }
    }

    /** Sum of heap pools' peak usage since the last reset (an upper bound of the simultaneous peak). */
    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
