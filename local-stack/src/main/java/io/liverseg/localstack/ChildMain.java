package io.liverseg.localstack;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Optional;

/**
 * Entry point of every child JVM (internal): exits when the parent JVM is gone, then runs the real main class.
 *
 * <p>A JVM shutdown hook in the parent stops the children on a normal exit, but not when the parent is killed
 * (SIGKILL, a Surefire fork timeout). Watching the parent from inside the child closes that gap, so no broker
 * outlives the tests. {@code System.exit} lets Kafka's own shutdown hook run a clean shutdown.
 *
 * <p>This class is copied on its own into the child's classpath: it must stay self-contained (no nested,
 * anonymous or other classes of this project; lambdas are fine).
 */
public final class ChildMain {

    private ChildMain() {
    }

    /**
     * Runs {@code args[1]}'s main with {@code args[2..]} while the process {@code args[0]} lives.
     *
     * @param args parent pid, main class, then the main class's arguments
     * @throws Throwable whatever the real main throws
     */
    public static void main(String[] args) throws Throwable {
        if (args.length < 2) {
            System.err.println("usage: ChildMain <parent-pid> <main-class> [args...]");
            System.exit(2);
        }
        long parentPid = Long.parseLong(args[0]);
        Optional<ProcessHandle> parent = ProcessHandle.of(parentPid);
        if (parent.isEmpty() || !parent.get().isAlive()) {
            System.err.println("liverseg local-stack: parent process " + parentPid + " is gone; not starting");
            System.exit(3);
        }
        parent.get().onExit().thenRun(() -> {
            System.err.println("liverseg local-stack: parent process " + parentPid + " exited; shutting down");
            System.exit(0);
        });
        Method main = Class.forName(args[1]).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
