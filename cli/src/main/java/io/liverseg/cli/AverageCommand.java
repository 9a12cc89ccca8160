package io.liverseg.cli;

import io.liverseg.model.pkg.ModelManifest;
import io.liverseg.model.pkg.ModelPackage;
import io.liverseg.model.pkg.WeightAveraging;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code liverseg average}: a model package whose weights are the mean of several (epochs, fine-tunes). */
@Command(name = "average", mixinStandardHelpOptions = true,
        description = {"Write a model package whose weights are the element-wise mean of WEIGHTS (a model soup; over",
            "the epochs of one run, stochastic weight averaging). WEIGHTS are DJL parameter files (NAME-0000.params:",
            "train keeps every epoch's as OUT/checkpoint/epoch001-0000.params, ...) or model packages. All must have",
            "--like's architecture; the package takes --like's classes, preprocessing and postprocessing. The result",
            "is not validated (its model.json has no metrics): evaluate it. With one file: that checkpoint as a package."})
final class AverageCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--like", required = true, description = "Model package whose manifest the result copies.")
    Path like;

    @Option(names = "--out", required = true, description = "Model package folder to write.")
    Path out;

    @Option(names = "--model-version", required = true, description = "Version written to model.json.")
    String version;

    @Option(names = "--parent", description = "Parent version recorded in model.json (default: --like's version).")
    String parent;

    @Parameters(paramLabel = "WEIGHTS", arity = "1..*", description = "Parameter files or model package folders.")
    List<Path> weights;

    @Override
    public Integer call() throws Exception {
        ModelManifest template = ModelPackage.readManifest(like);
        List<Path> files = new ArrayList<>();
        for (Path w : weights) {
            files.add(Files.isDirectory(w) ? w.resolve(ModelPackage.readManifest(w).parameters().file()) : w);
        }
        ModelManifest written = WeightAveraging.average(template, files, out, version,
                parent != null ? parent : template.version());
        PrintWriter o = spec.commandLine().getOut();
        o.printf("wrote %s (version %s, the mean of %d weight file(s))%n", out, written.version(), files.size());
        o.flush();
        return 0;
    }
}
