package io.liverseg.cli;

import picocli.CommandLine.Command;

/** {@code liverseg bench}: benchmarks whose numbers go into BENCHMARKS.md. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks (their results are recorded in BENCHMARKS.md).",
        subcommands = {PreprocessBenchmark.class, PipelineBenchmark.class, GrpcBenchmark.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
