package io.liverseg.inference;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Lowers the CPU priority (raises the nice value) of chosen threads of this process, picked by name, on Linux.
 * Linux keeps a nice value per thread and lets a process raise its own threads' values without privileges; the
 * threads are found in {@code /proc/self/task} by their name ({@code comm}, the first 15 characters of the Java
 * thread name) and set with {@code setpriority(PRIO_PROCESS, tid, n)}. Elsewhere it does nothing.
 *
 * <p>{@link #apply} is synchronized: the worker and start-up may call it at once.
 */
final class ThreadNiceness {
    /** {@code which} of setpriority: with a thread id, that one thread (Linux). */
    private static final int PRIO_PROCESS = 0;
    private static final Path TASKS = Path.of("/proc/self/task");
    /** Field 19 of /proc/.../stat, counted after the closing parenthesis of the name (field 2) as field 3. */
    private static final int NICE_FIELD_AFTER_NAME = 19 - 3;

    private final int niceness;
    private final List<String> prefixes;
    /**
     * Live threads already lowered (or found at the nice value already). Other threads are looked at again each
     * time: a new thread carries its creator's name until it has named itself.
     */
    private Set<String> done = new HashSet<>();

    /**
     * @param niceness the nice value to give matching threads (1–19); threads already at or above it are left
     * @param prefixes thread-name prefixes of the threads to lower (compared with the first 15 characters)
     */
    ThreadNiceness(int niceness, List<String> prefixes) {
        if (niceness < 1 || niceness > 19) {
            throw new IllegalArgumentException("niceness must be 1..19, got " + niceness);
        }
        this.niceness = niceness;
        this.prefixes = prefixes.stream().map(p -> p.length() > 15 ? p.substring(0, 15) : p).toList();
    }

    /** True where thread ids and their nice values can be read and set: Linux with /proc. */
    static boolean supported() {
        return Platform.isLinux() && Files.isDirectory(TASKS);
    }

    /**
     * Looks at the threads started since the last call and lowers the priority of those whose names match.
     *
     * @return how many threads were lowered by this call
     */
    synchronized int apply() {
        if (!supported()) {
            return 0;
        }
        int lowered = 0;
        // only threads alive now are kept, so the ids of ended threads (lanes and pools come and go) do not pile up
        Set<String> stillDone = new HashSet<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                String tid = task.getFileName().toString();
                if (done.contains(tid)) {
                    stillDone.add(tid);
                    continue;
                }
                String name;
                try {
                    name = read(task.resolve("comm")).strip();
                } catch (IOException e) {
                    continue; // the thread ended since the listing
                }
                if (prefixes.stream().noneMatch(name::startsWith)) {
                    continue;
                }
                OptionalInt current = niceness(Integer.parseInt(tid));
                if (current.isEmpty()) {
                    continue;
                }
                if (current.getAsInt() >= niceness) {
                    stillDone.add(tid);
                } else if (setPriority(Integer.parseInt(tid))) {
                    stillDone.add(tid);
                    lowered++;
                }
            }
        } catch (IOException e) {
            return lowered; // /proc/self/task unreadable: nothing lowered now, tried again next time
        }
        done = stillDone;
        return lowered;
    }

    /** The nice value of thread {@code tid} of this process, if it can be read. */
    static OptionalInt niceness(int tid) {
        try {
            String stat = read(TASKS.resolve(Integer.toString(tid)).resolve("stat"));
            // the name (field 2) may hold spaces and parentheses: count fields after its last ')'
            String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return OptionalInt.of(Integer.parseInt(after[NICE_FIELD_AFTER_NAME]));
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty();
        }
    }

    /** The calling thread's id (Linux), from {@code /proc/thread-self}. */
    static int currentThreadId() throws IOException {
        return Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
    }

    private boolean setPriority(int tid) {
        Function setpriority = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("setpriority");
        return setpriority.invokeInt(new Object[] {PRIO_PROCESS, tid, niceness}) == 0;
    }

    private static String read(Path p) throws IOException {
        return new String(Files.readAllBytes(p), StandardCharsets.US_ASCII);
    }
}
