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
        assumeTrue(ThreadNiceness.supported(), "per-thread nice values need Linux with /proc");
        int mine = ThreadNiceness.niceness(ThreadNiceness.currentThreadId()).orElseThrow();
        assumeTrue(mine < 19, "this test JVM already runs at the lowest priority");
        int target = Math.min(19, mine + 5);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger helperTid = new AtomicInteger();
        AtomicInteger otherTid = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(2);
        Thread helper = parked("liverseg-test-helper-1", helperTid, started, release);
        Thread other = parked("liverseg-test-other-1", otherTid, started, release);
        try {
            started.await();
            ThreadNiceness niceness = new ThreadNiceness(target, List.of("liverseg-test-helper-"));

            assertThat(niceness.apply()).isGreaterThanOrEqualTo(1);

            assertThat(ThreadNiceness.niceness(helperTid.get())).hasValue(target);
            assertThat(ThreadNiceness.niceness(otherTid.get())).hasValue(mine);
            assertThat(ThreadNiceness.niceness(ThreadNiceness.currentThreadId())).hasValue(mine);
            // threads are looked at once: nothing left to lower
            assertThat(niceness.apply()).isZero();
        } finally {
            release.countDown();
            helper.join();
            other.join();
        }
    }

    @Test
    void aPrefixLongerThanTheKernelsFifteenCharactersStillMatches() throws Exception {
        assumeTrue(ThreadNiceness.supported(), "per-thread nice values need Linux with /proc");
        int mine = ThreadNiceness.niceness(ThreadNiceness.currentThreadId()).orElseThrow();
        assumeTrue(mine < 19, "this test JVM already runs at the lowest priority");
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger tid = new AtomicInteger();
        // the kernel keeps "liverseg-longna" of this name
        Thread t = parked("liverseg-longname-thread", tid, started, release);
        try {
            started.await();
            new ThreadNiceness(mine + 1, List.of("liverseg-longname-thr")).apply();
            assertThat(ThreadNiceness.niceness(tid.get())).hasValue(mine + 1);
        } finally {
            release.countDown();
            t.join();
        }
    }

    @Test
    void aThreadThatTakesItsNameAfterALookIsLoweredAtTheNextLook() throws Exception {
        assumeTrue(ThreadNiceness.supported(), "per-thread nice values need Linux with /proc");
        int mine = ThreadNiceness.niceness(ThreadNiceness.currentThreadId()).orElseThrow();
        assumeTrue(mine < 19, "this test JVM already runs at the lowest priority");
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
        List<String> forwardThreads = List.of("executor-thread-1", SegmentationSlots.THREAD_PREFIX + "1",
                SlicePredictor.LANE_THREAD);
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

    private static Thread parked(String name, AtomicInteger tid, CountDownLatch started, CountDownLatch release) {
        Thread t = new Thread(() -> {
            try {
                tid.set(ThreadNiceness.currentThreadId());
                started.countDown();
                release.await();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
