package io.liverseg.localstack;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One child JVM: started through {@link ChildMain} so that it dies with this JVM, its output appended to a log
 * file (never a pipe that could fill up and block it).
 */
final class ChildJvm {

    private static final int TAIL_BYTES = 4096;
    private static final int MAX_ERROR_LINES = 10;
    private static final int MAX_LINE = 500;

    private final String name;
    private final Process process;
    private final Path log;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code mainClass} in a new JVM.
     *
     * @param name what to call it in messages
     * @param jvmOptions heap and GC options
     * @param classpath the child's classpath (may use {@code dir/*})
     * @param mainClass the real main class
     * @param args its arguments
     * @param workDir the working directory
     * @param log the file that receives stdout and stderr
     * @param bootstrapDir a folder holding {@code ChildMain.class} (see {@link #writeBootstrap})
     */
    static ChildJvm start(String name, List<String> jvmOptions, String classpath, String mainClass,
            List<String> args, Path workDir, Path log, Path bootstrapDir) throws IOException {
        return start(name, jvmOptions, classpath, mainClass, args, Map.of(), workDir, log, bootstrapDir);
    }

    /**
     * As {@link #start(String, List, String, String, List, Path, Path, Path)}, with {@code environment} changing
     * the environment the child inherits from this JVM: a value sets the variable, a null value removes it.
     */
    static ChildJvm start(String name, List<String> jvmOptions, String classpath, String mainClass,
            List<String> args, Map<String, String> environment, Path workDir, Path log, Path bootstrapDir)
            throws IOException {
        return start(name, jvmOptions, classpath, mainClass, args, environment, 0, workDir, log, bootstrapDir);
    }

    /**
     * As {@link #start(String, List, String, String, List, Map, Path, Path, Path)}, run through {@code nice -n
     * niceness} when {@code niceness} is not 0 and {@link #niceCommand()} finds {@code nice} (else at this JVM's
     * priority). {@code nice} execs java, so the process is still the JVM itself.
     */
    static ChildJvm start(String name, List<String> jvmOptions, String classpath, String mainClass,
            List<String> args, Map<String, String> environment, int niceness, Path workDir, Path log,
            Path bootstrapDir) throws IOException {
        List<String> command = new ArrayList<>();
        Optional<String> nice = niceness == 0 ? Optional.empty() : niceCommand();
        if (nice.isPresent()) {
            command.add(nice.get());
            command.add("-n");
            command.add(Integer.toString(niceness));
        }
        command.add(javaExecutable());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(bootstrapDir + File.pathSeparator + classpath);
        command.add(ChildMain.class.getName());
        command.add(Long.toString(ProcessHandle.current().pid()));
        command.add(mainClass);
        command.addAll(args);
        Files.createDirectories(log.getParent());
        Files.writeString(log, "# " + String.join(" ", command) + System.lineSeparator(), StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder builder = new ProcessBuilder(command);
        environment.forEach((key, value) -> {
            if (value == null) {
                builder.environment().remove(key);
            } else {
                builder.environment().put(key, value);
            }
        });
        Process process = builder
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(nullFile()))
                .start();
        return new ChildJvm(name, process, log);
    }

    /** Copies {@link ChildMain}'s class file, and only it, under {@code dir}: the child's bootstrap classpath. */
    static Path writeBootstrap(Path dir) throws IOException {
        String resource = ChildMain.class.getSimpleName() + ".class";
        Path target = dir.resolve(ChildMain.class.getPackageName().replace('.', '/')).resolve(resource);
        Files.createDirectories(target.getParent());
        try (InputStream in = ChildMain.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("class file of " + ChildMain.class.getName() + " not found");
            }
            Files.write(target, in.readAllBytes());
        }
        return dir;
    }

    /** The {@code nice} executable on the PATH (coreutils on Linux, also on macOS), if there is one. */
    public static Optional<String> niceCommand() {
        if (isWindows()) {
            return Optional.empty();
        }
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin:/bin" : path).split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "nice");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate.toString());
            }
        }
        return Optional.empty();
    }

    /** The child's java: this JVM's own, unless {@code liverseg.localstack.java} names another. */
    static String javaExecutable() {
        String configured = System.getProperty("liverseg.localstack.java");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        Path own = Path.of(System.getProperty("java.home"), "bin", isWindows() ? "java.exe" : "java");
        if (Files.isExecutable(own)) {
            return own.toString();
        }
        return ProcessHandle.current().info().command().orElse("java");
    }

    String name() {
        return name;
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /** The exit code; only once the child has exited. */
    int exitValue() {
        return process.exitValue();
    }

    /** Waits for a short-lived child (a tool run) and fails with its log if it did not exit with 0. */
    void awaitSuccess(Duration timeout) throws IOException {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                stop(Duration.ZERO);
                throw failure(name + " did not finish within " + timeout.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(Duration.ZERO);
            throw new IOException("interrupted while waiting for " + name, e);
        }
        if (process.exitValue() != 0) {
            throw failure(name + " failed with exit code " + process.exitValue());
        }
    }

    /**
     * Asks the child to stop (SIGTERM: Kafka and Jetty shut down cleanly), kills it after {@code grace}, and
     * waits until it is gone.
     */
    void stop(Duration grace) {
        if (!process.isAlive()) {
            return;
        }
        boolean interrupted = false;
        try {
            if (!grace.isZero()) {
                process.destroy();
                try {
                    if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            process.destroyForcibly();
            while (true) {
                try {
                    process.waitFor();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * An exception whose message names the log, quotes its first error lines (the cause usually comes before a
     * long shutdown sequence) and ends with its last lines.
     */
    IOException failure(String message) {
        String nl = System.lineSeparator();
        StringBuilder text = new StringBuilder(message);
        List<String> errors = errors(log);
        if (!errors.isEmpty()) {
            text.append("; errors in ").append(log).append(':').append(nl).append(String.join(nl, errors));
        }
        text.append(nl).append("last lines of ").append(log).append(':').append(nl).append(tail(log));
        return new IOException(text.toString());
    }

    /** The first lines logged at ERROR or FATAL level, or that start a Java stack trace. */
    static List<String> errors(Path file) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try (java.util.stream.Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.filter(line -> line.contains(" ERROR ") || line.contains(" FATAL ")
                    || line.startsWith("Exception") || line.startsWith("Caused by:")
                    || line.startsWith("Error:"))
                    .limit(MAX_ERROR_LINES)
                    .map(line -> line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + " ..." : line)
                    .toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of("(log unreadable: " + e + ")");
        }
    }

    static String tail(Path file) {
        if (!Files.isRegularFile(file)) {
            return "(no log written)";
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.max(0, in.length() - TAIL_BYTES);
            byte[] bytes = new byte[(int) (in.length() - start)];
            in.seek(start);
            in.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            List<String> lines = Arrays.asList(text.split("\\R"));
            // The first line is usually cut in half; drop it when there is more.
            if (start > 0 && lines.size() > 1) {
                lines = lines.subList(1, lines.size());
            }
            return String.join(System.lineSeparator(), lines);
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private static File nullFile() {
        return new File(isWindows() ? "NUL" : "/dev/null");
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows");
    }
}
