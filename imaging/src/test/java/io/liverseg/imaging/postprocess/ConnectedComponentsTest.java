package io.liverseg.imaging.postprocess;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ConnectedComponentsTest {
    @Test
    void keepsWhatAFloodFillKeepsOnRandomMasks() {
        Random random = new Random(7);
        int[][] shapes = {{1, 1, 1}, {9, 1, 1}, {1, 9, 1}, {1, 1, 9}, {7, 5, 3}, {16, 12, 10}, {33, 17, 9},
            {70, 9, 5}};
        // sparse masks too: long stretches of background are passed 8 labels at a time
        double[] densities = {0.01, 0.03, 0.1, 0.3, 0.5, 0.6, 0.8};
        for (int[] s : shapes) {
            for (double density : densities) {
                for (int trial = 0; trial < 4; trial++) {
                    byte[] mask = new byte[s[0] * s[1] * s[2]];
                    for (int p = 0; p < mask.length; p++) {
                        mask[p] = (byte) (random.nextDouble() < density ? 1 + random.nextInt(3) : 0);
                    }
                    boolean[] foreground = new boolean[256];
                    // every fourth trial counts the background label 0 as foreground as well
                    foreground[trial == 3 ? 0 : 1] = true;
                    foreground[2] = true;
                    byte[] expected = mask.clone();
                    long expectedSize = floodFillKeepLargest(expected, s[0], s[1], s[2], foreground);

                    long size = ConnectedComponents.keepLargest(mask, s[0], s[1], s[2], foreground);

                    assertThat(size).as("size, %dx%dx%d at %.1f", s[0], s[1], s[2], density).isEqualTo(expectedSize);
                    assertThat(mask).as("mask, %dx%dx%d at %.1f", s[0], s[1], s[2], density).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void ofTwoEqualComponentsKeepsTheOneThatStartsFirst() {
        int nx = 5;
        byte[] mask = new byte[nx * 2 * 2];
        // two 2-voxel components: one at the end of the first row, one at the start of the last slice
        mask[3] = 1;
        mask[4] = 1;
        mask[nx * 2] = 1;
        mask[nx * 2 + nx] = 1;
        boolean[] foreground = new boolean[256];
        foreground[1] = true;

        assertThat(ConnectedComponents.keepLargest(mask, nx, 2, 2, foreground)).isEqualTo(2);

        assertThat(mask[3]).isEqualTo((byte) 1);
        assertThat(mask[4]).isEqualTo((byte) 1);
        assertThat(mask[nx * 2]).isZero();
        assertThat(mask[nx * 2 + nx]).isZero();
    }

    @Test
    void joinsRunsThroughTheNeighbouringSliceAndRow() {
        // a U: two runs in row 0 of slice 0 joined only through slice 1, and a third run joined through row 1
        int nx = 6;
        int ny = 2;
        byte[] mask = new byte[nx * ny * 2];
        mask[0] = 1;
        mask[4] = 1;
        mask[nx * ny] = 1;
        mask[nx * ny + 1] = 1;
        mask[nx * ny + 2] = 1;
        mask[nx * ny + 3] = 1;
        mask[nx * ny + 4] = 1;
        mask[nx + 2] = 1;
        mask[nx + 3] = 1; // touches nothing in slice 0; joined through (3, 1, 1)
        mask[nx * ny + nx + 3] = 1;
        mask[5] = 2; // not foreground
        boolean[] foreground = new boolean[256];
        foreground[1] = true;

        assertThat(ConnectedComponents.keepLargest(mask, nx, ny, 2, foreground)).isEqualTo(10);
        assertThat(mask[5]).isEqualTo((byte) 2);
    }

    /** The reference: a breadth-first flood fill with a label per voxel, first-found component wins ties. */
    private static long floodFillKeepLargest(byte[] labels, int nx, int ny, int nz, boolean[] foreground) {
        int[] component = new int[labels.length];
        int next = 0;
        int best = 0;
        long bestSize = 0;
        for (int start = 0; start < labels.length; start++) {
            if (component[start] != 0 || !foreground[labels[start] & 0xFF]) {
                continue;
            }
            int id = ++next;
            long size = 0;
            ArrayDeque<Integer> queue = new ArrayDeque<>();
            queue.add(start);
            component[start] = id;
            while (!queue.isEmpty()) {
                int p = queue.poll();
                size++;
                int i = p % nx;
                int j = (p / nx) % ny;
                int k = p / (nx * ny);
                int[][] steps = {{-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}};
                for (int[] d : steps) {
                    int a = i + d[0];
                    int b = j + d[1];
                    int c = k + d[2];
                    if (a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz) {
                        continue;
                    }
                    int q = a + nx * (b + ny * c);
                    if (component[q] == 0 && foreground[labels[q] & 0xFF]) {
                        component[q] = id;
                        queue.add(q);
                    }
                }
            }
            if (size > bestSize) {
                bestSize = size;
                best = id;
            }
        }
        for (int p = 0; p < labels.length; p++) {
            if (component[p] != 0 && component[p] != best) {
                labels[p] = 0;
            }
        }
        return bestSize;
    }
}
