package io.liverseg.cli;

import picocli.CommandLine.Command;

/** {@code liverseg nifti}: NIfTI file tools. */
@Command(name = "nifti", mixinStandardHelpOptions = true,
        description = "NIfTI file tools.",
        subcommands = {NiftiInfoCommand.class})
final class NiftiCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
