package io.liverseg.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class SegmentationSlotsTest {

    @Test
    void admitsRunningPlusQueuedThenRefusesAndReleasesOnce() throws Exception {
        SegmentationSlots slots = new SegmentationSlots(1, 1);
        try {
            SegmentationSlots.Ticket a = slots.tryAdmit().orElseThrow();
            SegmentationSlots.Ticket b = slots.tryAdmit().orElseThrow();
            assertThat(slots.tryAdmit()).isEmpty();
            assertThat(slots.admitted()).isEqualTo(2);

            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(1);
            assertThat(a.submit(() -> {
                started.countDown();
                awaitLatch(release);
            })).isZero();
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            AtomicBoolean ranB = new AtomicBoolean();
            assertThat(b.submit(() -> ranB.set(true))).isEqualTo(1);
            // b waits for the one thread: withdrawing takes it off the queue and frees its place
            assertThat(b.withdraw()).isTrue();
            assertThat(slots.admitted()).isEqualTo(1);
            b.release();
            assertThat(slots.admitted()).isEqualTo(1);
            // a runs: it cannot be withdrawn; its place is freed when it ends
            assertThat(a.withdraw()).isFalse();
            Optional<SegmentationSlots.Ticket> c = slots.tryAdmit();
            assertThat(c).isPresent();
            c.get().release();
            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> slots.admitted() == 0 && slots.running() == 0);
            assertThat(ranB).isFalse();
        } finally {
            slots.shutdown();
        }
    }

    @Test
    void anUnsubmittedTicketWithdrawsByReleasing() {
        SegmentationSlots slots = new SegmentationSlots(1, 0);
        try {
            SegmentationSlots.Ticket t = slots.tryAdmit().orElseThrow();
            assertThat(slots.tryAdmit()).isEmpty();
            assertThat(t.withdraw()).isTrue();
            assertThat(slots.admitted()).isZero();
        } finally {
            slots.shutdown();
        }
    }

    private static void awaitLatch(CountDownLatch l) {
        try {
            l.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
