package io.liverseg.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.liverseg.model.predict.SlicePredictor;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ThreadNicenessTest {

    @Test
    void lowersTheThreadsOfTheGivenNamesAndLeavesTheOthers() throws Exception {
        int mine = myNicenessIfItCanBeLowered();
        int target = Math.min(19, mine + 5);
        try (Parked helper = new Parked("liverseg-test-helper-1"); Parked other = new Parked("liverseg-test-other-1")) {
            ThreadNiceness niceness = new ThreadNiceness(target, List.of("liverseg-test-helper-"));

            assertThat(niceness.apply()).isGreaterThanOrEqualTo(1);

            assertThat(ThreadNiceness.niceness(helper.tid())).hasValue(target);
            assertThat(ThreadNiceness.niceness(other.tid())).hasValue(mine);
            assertThat(ThreadNiceness.niceness(ThreadNiceness.currentThreadId())).hasValue(mine);
            // nothing left to lower: the helper is done, the other thread's name does not match
            assertThat(niceness.apply()).isZero();
        }
    }

    @Test
    void aPrefixLongerThanTheKernelsFifteenCharactersStillMatches() throws Exception {
        int mine = myNicenessIfItCanBeLowered();
        // the kernel keeps "liverseg-longna" of this name
        try (Parked t = new Parked("liverseg-longname-thread")) {
            new ThreadNiceness(mine + 1, List.of("liverseg-longname-thr")).apply();
            assertThat(ThreadNiceness.niceness(t.tid())).hasValue(mine + 1);
        }
    }

    @Test
    void aThreadThatTakesItsNameAfterALookIsLoweredAtTheNextLook() throws Exception {
        int mine = myNicenessIfItCanBeLowered();
        CountDownLatch looked = new CountDownLatch(1);
        CountDownLatch renamed = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger tid = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try {
                tid.set(ThreadNiceness.currentThreadId());
                started.countDown();
                looked.await();
                // as a new thread carries its creator's name until it names itself (Linux sets only its own)
                Thread.currentThread().setName("liverseg-late-helper");
                renamed.countDown();
                release.await();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "liverseg-early-name");
        t.setDaemon(true);
        t.start();
        try {
            started.await();
            ThreadNiceness niceness = new ThreadNiceness(mine + 1, List.of("liverseg-late-"));
            niceness.apply();
            assertThat(ThreadNiceness.niceness(tid.get())).hasValue(mine);
            looked.countDown();
            renamed.await();

            assertThat(niceness.apply()).isEqualTo(1);
            assertThat(ThreadNiceness.niceness(tid.get())).hasValue(mine + 1);
        } finally {
            looked.countDown();
            release.countDown();
            t.join();
        }
    }

    @Test
    void noHelperPrefixMatchesAThreadThatRunsForwardPasses() {
        // what the kernel keeps of a name: its first 15 characters
        // the event loops too: they create Quarkus's workers, which take their nice value
        List<String> forwardThreads = List.of("executor-thread-1", SegmentationSlots.THREAD_PREFIX + "1",
                SlicePredictor.LANE_THREAD, "vert.x-eventloop-thread-0");
        for (String thread : forwardThreads) {
            String comm = thread.substring(0, Math.min(15, thread.length()));
            assertThat(BatchProcessor.HELPER_THREADS).as(thread)
                    .noneMatch(p -> comm.startsWith(p.substring(0, Math.min(15, p.length()))));
        }
        // and each helper prefix still names the thread it is meant for
        assertThat(BatchProcessor.HELPER_THREADS).contains("mask-finisher", "batch-prefetch", "liverseg-grpc-lookup",
                "liverseg-grpc-deadlines");
    }

    @Test
    void refusesANicenessOutsideOneToNineteen() {
        assertThatThrownBy(() -> new ThreadNiceness(0, List.of("x"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1..19");
        assertThatThrownBy(() -> new ThreadNiceness(20, List.of("x"))).isInstanceOf(IllegalArgumentException.class);
    }

    /** This thread's nice value; the test is skipped where nice values cannot be read or raised. */
    private static int myNicenessIfItCanBeLowered() throws Exception {
        assumeTrue(ThreadNiceness.supported(), "per-thread nice values need Linux with /proc");
        int mine = ThreadNiceness.niceness(ThreadNiceness.currentThreadId()).orElseThrow();
        assumeTrue(mine < 19, "this test JVM already runs at the lowest priority");
        return mine;
    }

    /** A daemon thread that records its id once started and waits until closed. */
    private static final class Parked implements AutoCloseable {
        private final Thread thread;
        private final AtomicInteger tid = new AtomicInteger();
        private final CountDownLatch release = new CountDownLatch(1);

        Parked(String name) throws InterruptedException {
            CountDownLatch started = new CountDownLatch(1);
            thread = new Thread(() -> {
                try {
                    tid.set(ThreadNiceness.currentThreadId());
                    started.countDown();
                    release.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, name);
            thread.setDaemon(true);
            thread.start();
            started.await();
        }

        int tid() {
            return tid.get();
        }

        @Override
        public void close() throws InterruptedException {
            release.countDown();
            thread.join();
        }
    }
}
