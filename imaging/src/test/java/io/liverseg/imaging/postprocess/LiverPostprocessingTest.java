package io.liverseg.imaging.postprocess;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LiverPostprocessingTest {
    private static final int NX = 6;
    private static final int NY = 4;
    private static final int NZ = 3;

    private static int at(int i, int j, int k) {
        return i + NX * (j + NY * k);
    }

    @Test
    void keepsTheLargestOrganWithItsTumourAndDropsTheRest() {
        byte[] mask = new byte[NX * NY * NZ];
        // the liver: a 3×3×3 block at i 0..2 with a tumour inside it
        for (int k = 0; k < 3; k++) {
            for (int j = 0; j < 3; j++) {
                for (int i = 0; i < 3; i++) {
                    mask[at(i, j, k)] = 1;
                }
            }
        }
        mask[at(1, 1, 1)] = 2;
        mask[at(2, 2, 2)] = 2; // tumour on the liver's edge still belongs to it
        // a spleen-like false positive and a stray tumour, not touching the liver
        mask[at(5, 0, 0)] = 1;
        mask[at(5, 1, 0)] = 1;
        mask[at(5, 3, 2)] = 2;

        long kept = LiverPostprocessing.apply(mask, NX, NY, NZ, 1, 2);

        assertThat(kept).isEqualTo(27);
        assertThat(mask[at(1, 1, 1)]).isEqualTo((byte) 2);
        assertThat(mask[at(2, 2, 2)]).isEqualTo((byte) 2);
        assertThat(mask[at(0, 0, 0)]).isEqualTo((byte) 1);
        assertThat(mask[at(5, 0, 0)]).isZero();
        assertThat(mask[at(5, 1, 0)]).isZero();
        assertThat(mask[at(5, 3, 2)]).isZero();
    }

    @Test
    void diagonalNeighboursAreSeparateComponents() {
        byte[] mask = new byte[NX * NY * NZ];
        mask[at(0, 0, 0)] = 1;
        mask[at(1, 0, 0)] = 1;
        mask[at(2, 1, 0)] = 1; // touches (1,0,0) only by an edge: not 6-connected
        assertThat(ConnectedComponents.keepLargest(mask, NX, NY, NZ, organ(1))).isEqualTo(2);
        assertThat(mask[at(2, 1, 0)]).isZero();
    }

    @Test
    void anEmptyMaskStaysEmpty() {
        byte[] mask = new byte[NX * NY * NZ];
        assertThat(ConnectedComponents.keepLargest(mask, NX, NY, NZ, organ(1))).isZero();
        assertThat(mask).containsOnly(0);
    }

    @Test
    void aLargeOrganDoesNotOverflowTheStack() {
        int n = 96;
        byte[] mask = new byte[n * n * n];
        java.util.Arrays.fill(mask, (byte) 1);
        assertThat(ConnectedComponents.keepLargest(mask, n, n, n, organ(1))).isEqualTo((long) n * n * n);
    }

    private static boolean[] organ(int label) {
        boolean[] f = new boolean[256];
        f[label] = true;
        return f;
    }
}
