package io.liverseg.model.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How busy the machine's CPUs were with <em>other</em> processes during a measurement, from Linux
 * {@code /proc/stat} (all CPUs) minus {@code /proc/self/stat} (this JVM). On a shared 2-core box that
 * number explains most of the run-to-run spread, so the benchmark prints it next to every timing.
 */
final class CpuContention {

    private final long busyStart;
    private final long selfStart;
    private final long wallStart;
    private final boolean available;

    private CpuContention(long busy, long self, long wall, boolean available) {
        this.busyStart = busy;
        this.selfStart = self;
        this.wallStart = wall;
        this.available = available;
    }

    /** Starts a measurement window. */
    static CpuContention start() {
        try {
            return new CpuContention(busyTicks(), selfTicks(), System.nanoTime(), true);
        } catch (IOException | RuntimeException e) {
            return new CpuContention(0, 0, System.nanoTime(), false);
        }
    }

    /**
     * CPU time of other processes since {@link #start()}, in cores (0 = idle box, 2 = both cores fully
     * used by others), or NaN where /proc is unavailable.
     */
    double otherCores() {
        if (!available) {
            return Double.NaN;
        }
        try {
            long busy = busyTicks() - busyStart;
            long self = selfTicks() - selfStart;
            double wallTicks = (System.nanoTime() - wallStart) / 1e9 * 100; // USER_HZ = 100 on Linux
            return Math.max(0, (busy - self) / wallTicks);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static long busyTicks() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
        String[] f = lines.get(0).trim().split("\\s+"); // cpu user nice system idle iowait irq softirq steal
        long busy = 0;
        for (int i = 1; i < f.length; i++) {
            if (i != 4 && i != 5) { // idle, iowait
                busy += Long.parseLong(f[i]);
            }
        }
        return busy;
    }

    private static long selfTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
    }
}
