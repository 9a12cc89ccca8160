package io.liverseg.cli;

import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code liverseg} command: one entry point whose subcommands grow with the system. */
@Command(name = "liverseg",
        mixinStandardHelpOptions = true,
        versionProvider = LiversegCli.Version.class,
        description = "Liver, tumour and hepatic vessel segmentation of CT.",
        subcommands = {
            NiftiCommand.class,
            PhantomsCommand.class,
            StatsCommand.class,
            TrainCommand.class,
            AverageCommand.class,
            PredictCommand.class,
            EvaluateCommand.class,
            SegmentCommand.class,
            ModelsCommand.class,
            ScansCommand.class,
            BenchCommand.class,
            io.liverseg.cli.stack.StackCommand.class,
            CommandLine.HelpCommand.class
        })
public final class LiversegCli implements Runnable {
    /** Exit code for bad input (a file that cannot be read as what it should be). */
    public static final int EXIT_BAD_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, also used by tests to run commands in-process. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new LiversegCli());
        cl.setExecutionExceptionHandler(LiversegCli::handle);
        return cl;
    }

    /** Bad input is one line on stderr and exit code 2; anything else is a bug and keeps its stack trace. */
    private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        if (e instanceof IOException || e instanceof IllegalArgumentException) {
            err.println(cl.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            err.flush();
            return EXIT_BAD_INPUT;
        }
        e.printStackTrace(err);
        err.flush();
        return 1;
    }

    /** Version from the jar manifest (Implementation-Version), "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = LiversegCli.class.getPackage().getImplementationVersion();
            return new String[] {"liverseg " + (v == null ? "dev" : v)};
        }
    }
}
