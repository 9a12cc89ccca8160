package io.liverseg.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link DjlEnvironment#initForInference}: its effect lasts for the whole process and depends on whether the engine
 * was loaded, so each case runs in a JVM of its own ({@link Child}).
 */
class ForwardLanesTest {

    @Test
    void beforeTheEngineLoadsLanesGetTheCoresSplitBetweenThem() throws Exception {
        List<String> out = child("before");
        int cores = Integer.parseInt(value(out, "cores"));
        int lanes = Math.min(2, cores);
        assertThat(value(out, "lanes")).isEqualTo(Integer.toString(lanes));
        assertThat(value(out, "forwardLanes")).isEqualTo(Integer.toString(lanes));
        assertThat(value(out, "num_threads")).isEqualTo(lanes > 1 ? Integer.toString(cores / lanes) : "null");
    }

    @Test
    void afterTheEngineLoadedItChangesNothingAndSaysOneLane() throws Exception {
        oneLaneAndTheThreadsLeftAlone(child("after"));
    }

    @Test
    void anExplicitIntraOpThreadCountWinsAndLeavesOneLane() throws Exception {
        List<String> out = child("explicit");
        assertThat(value(out, "lanes")).isEqualTo("1");
        assertThat(value(out, "num_threads")).isEqualTo("2");
    }

    @Test
    void aGpuRunsOnePassAtATimeAndKeepsTheThreadDefaults() throws Exception {
        oneLaneAndTheThreadsLeftAlone(child("gpu"));
    }

    @Test
    void lanesBelowOneAreRefused() {
        assertThatThrownBy(() -> DjlEnvironment.initForInference(0, DeviceSetting.CPU)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1");
    }

    private static void oneLaneAndTheThreadsLeftAlone(List<String> out) {
        assertThat(value(out, "lanes")).isEqualTo("1");
        assertThat(value(out, "forwardLanes")).isEqualTo("1");
        assertThat(value(out, "num_threads")).isEqualTo("null");
    }

    private static String value(List<String> lines, String key) {
        return lines.stream().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1))
                .findFirst().orElseThrow(() -> new AssertionError("no " + key + " in " + lines));
    }

    private static List<String> child(String mode) throws IOException, InterruptedException {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        // the engine's own log goes to stderr; only our lines on stdout are read
        Process p = new ProcessBuilder(javaBin.toString(), "-cp", System.getProperty("java.class.path"),
                Child.class.getName(), mode).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().toList();
    }

    /** Runs one case in a fresh JVM and prints what it found as key=value lines. */
    public static final class Child {
        public static void main(String[] args) {
            int lanes;
            switch (args[0]) {
                case "before" -> lanes = DjlEnvironment.initForInference(2, DeviceSetting.CPU);
                case "gpu" -> lanes = DjlEnvironment.initForInference(2, DeviceSetting.GPU);
                case "after" -> {
                    DjlEnvironment.engine();
                    lanes = DjlEnvironment.initForInference(2, DeviceSetting.CPU);
                }
                case "explicit" -> {
                    System.setProperty(DjlEnvironment.NUM_THREADS, "2");
                    lanes = DjlEnvironment.initForInference(2, DeviceSetting.CPU);
                }
                default -> throw new IllegalArgumentException(args[0]);
            }
            System.out.println("cores=" + Runtime.getRuntime().availableProcessors());
            System.out.println("lanes=" + lanes);
            System.out.println("forwardLanes=" + DjlEnvironment.forwardLanes());
            System.out.println("num_threads=" + System.getProperty(DjlEnvironment.NUM_THREADS));
        }
    }
}
