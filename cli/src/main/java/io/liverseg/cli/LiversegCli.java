package io.liverseg.cli;

/** Placeholder replaced below. */
public final class LiversegCli {
    public static void main(String[] args) {
    }
}
