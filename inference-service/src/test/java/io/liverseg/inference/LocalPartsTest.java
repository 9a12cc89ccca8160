package io.liverseg.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.liverseg.imaging.preprocess.SliceBatchCodec.MaskPart;
import org.junit.jupiter.api.Test;

class LocalPartsTest {
    private static MaskPart part(int first, int bytes) {
        byte[] labels = new byte[bytes];
        labels[0] = (byte) first;
        return new MaskPart(first, 1, 1, bytes, labels, 0, 0);
    }

    @Test
    void aPartIsTakenOnceThenComesFromS3() {
        LocalParts parts = new LocalParts(100);
        MaskPart p = part(3, 10);
        parts.remember("w/s/liver/7/part-00000.lsm", p);
        assertThat(parts.take("w/s/liver/7/part-00000.lsm")).containsSame(p);
        assertThat(parts.take("w/s/liver/7/part-00000.lsm")).isEmpty();
        assertThat(parts.bytes()).isZero();
    }

    @Test
    void theOldestPartsGoBeyondTheBound() {
        LocalParts parts = new LocalParts(25);
        parts.remember("a", part(0, 10));
        parts.remember("b", part(1, 10));
        parts.remember("c", part(2, 10));
        assertThat(parts.take("a")).isEmpty();
        assertThat(parts.size()).isEqualTo(2);
        assertThat(parts.bytes()).isEqualTo(20);
        assertThat(parts.take("b")).isPresent();
        assertThat(parts.take("c")).isPresent();
    }

    @Test
    void aPartLargerThanTheBoundIsNotKeptAndEvictsNothing() {
        LocalParts parts = new LocalParts(25);
        parts.remember("a", part(0, 10));
        parts.remember("big", part(1, 26));
        assertThat(parts.take("big")).isEmpty();
        assertThat(parts.take("a")).isPresent();
    }

    @Test
    void rememberingAKeyAgainReplacesItsPartAndItsBytes() {
        LocalParts parts = new LocalParts(100);
        parts.remember("a", part(0, 10));
        MaskPart again = part(5, 30);
        parts.remember("a", again);
        assertThat(parts.bytes()).isEqualTo(30);
        assertThat(parts.take("a")).containsSame(again);
    }

    @Test
    void forgetDropsOnlyThePartsUnderThePrefix() {
        LocalParts parts = new LocalParts(100);
        parts.remember("work/s1/liver/7/part-00000.lsm", part(0, 10));
        parts.remember("work/s1/liver/7/part-00001.lsm", part(1, 10));
        parts.remember("work/s1/vessels/2/part-00000.lsm", part(0, 10));
        parts.forget("work/s1/liver/7/");
        assertThat(parts.size()).isEqualTo(1);
        assertThat(parts.bytes()).isEqualTo(10);
        assertThat(parts.take("work/s1/vessels/2/part-00000.lsm")).isPresent();
    }
}
