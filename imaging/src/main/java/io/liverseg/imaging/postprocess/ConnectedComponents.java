package io.liverseg.imaging.postprocess;

/**
 * 3D connected components (6-connectivity) of a binary foreground in a label volume stored in NIfTI
 * order ({@code index = i + nx·(j + ny·k)}), with an explicit stack so large organs cannot overflow the
 * call stack.
 */
public final class ConnectedComponents {
    private ConnectedComponents() {
    }

    /**
     * Keeps only the largest 6-connected component of the voxels whose label is in {@code foreground}
     * (a bit set over label values 0..255), setting the other foreground voxels to 0. In place.
     *
     * @return the size in voxels of the component kept (0 when there was no foreground)
     */
    public static long keepLargest(byte[] labels, int nx, int ny, int nz, boolean[] foreground) {
        int n = labels.length;
        if ((long) nx * ny * nz != n) {
            throw new IllegalArgumentException("labels length " + n + " != " + nx + "x" + ny + "x" + nz);
        }
        int[] component = new int[n];
        int[] stack = new int[1024];
        int next = 0;
        long bestSize = 0;
        int best = 0;
        int plane = nx * ny;
        for (int start = 0; start < n; start++) {
            if (component[start] != 0 || !foreground[labels[start] & 0xFF]) {
                continue;
            }
            int id = ++next;
            long size = 0;
            int top = 0;
            stack[top++] = start;
            component[start] = id;
            while (top > 0) {
                int p = stack[--top];
                size++;
                int i = p % nx;
                int j = (p / nx) % ny;
                int k = p / plane;
                if (top + 6 > stack.length) {
                    stack = java.util.Arrays.copyOf(stack, stack.length * 2);
                }
                if (i > 0) {
                    top = visit(labels, component, foreground, stack, top, p - 1, id);
                }
                if (i < nx - 1) {
                    top = visit(labels, component, foreground, stack, top, p + 1, id);
                }
                if (j > 0) {
                    top = visit(labels, component, foreground, stack, top, p - nx, id);
                }
                if (j < ny - 1) {
                    top = visit(labels, component, foreground, stack, top, p + nx, id);
                }
                if (k > 0) {
                    top = visit(labels, component, foreground, stack, top, p - plane, id);
                }
                if (k < nz - 1) {
                    top = visit(labels, component, foreground, stack, top, p + plane, id);
                }
            }
            if (size > bestSize) {
                bestSize = size;
                best = id;
            }
        }
        for (int p = 0; p < n; p++) {
            if (component[p] != 0 && component[p] != best) {
                labels[p] = 0;
            }
        }
        return bestSize;
    }

    private static int visit(byte[] labels, int[] component, boolean[] foreground, int[] stack, int top, int q, int id) {
        if (component[q] == 0 && foreground[labels[q] & 0xFF]) {
            component[q] = id;
            stack[top++] = q;
        }
        return top;
    }
}
