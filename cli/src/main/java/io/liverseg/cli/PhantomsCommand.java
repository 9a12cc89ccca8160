package io.liverseg.cli;

import io.liverseg.imaging.msd.MsdDataset;
import io.liverseg.imaging.msd.PhantomDatasetWriter;
import io.liverseg.imaging.phantom.ContrastPhase;
import io.liverseg.imaging.phantom.PhantomOptions;
import io.liverseg.imaging.phantom.PhantomTask;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code liverseg phantoms}: synthetic abdominal CT with labels, in Medical Segmentation Decathlon layout. */
@Command(name = "phantoms", mixinStandardHelpOptions = true,
        description = {"Generate synthetic abdominal CT phantoms with ground-truth labels in MSD layout",
            "(imagesTr/, labelsTr/, dataset.json, phantoms.json; tissuesTr/ with --tissues). Deterministic by seed."})
final class PhantomsCommand implements Callable<Integer> {
    /** The two label conventions on the command line. */
    enum Task { liver, vessel }

    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, description = "Output folder (created).")
    Path out;

    @Option(names = "--cases", defaultValue = "10", description = "Number of cases (default ${DEFAULT-VALUE}).")
    int cases;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--task", defaultValue = "liver",
            description = "liver: Task03 labels (1 liver, 2 tumour); vessel: Task08 labels (1 vessel, 2 tumour). Default ${DEFAULT-VALUE}.")
    Task task;

    @Option(names = "--size", defaultValue = "256", description = "In-plane matrix, 256 or 512 (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--slices", description = "Slice count range MIN..MAX (default: the generator's).")
    String slices;

    @Option(names = "--phases", split = ",", paramLabel = "PHASE",
            description = "Contrast phases to draw from, comma-separated: NON_CONTRAST, ARTERIAL, PORTAL_VENOUS, DELAYED"
                    + " (default: all, portal-venous most often). Task08's scans are portal-venous.")
    List<ContrastPhase> phases;

    @Option(names = "--tissues",
            description = "Also write each case's tissue map (tissuesTr/, uint8 codes named in tissuesTr/legend.json),"
                    + " for `liverseg evaluate --tissues`.")
    boolean tissues;

    @Override
    public Integer call() throws Exception {
        if (size != 256 && size != 512) {
            throw new IllegalArgumentException("--size must be 256 or 512, got " + size);
        }
        if (cases < 1) {
            throw new IllegalArgumentException("--cases must be at least 1, got " + cases);
        }
        PhantomOptions options = PhantomOptions.defaults()
                .withTask(task == Task.liver ? PhantomTask.LIVER : PhantomTask.VESSEL)
                .withSize(size)
                .withSeed(seed);
        if (slices != null) {
            String[] mm = slices.split("\\.\\.");
            if (mm.length != 2) {
                throw new IllegalArgumentException("--slices must be MIN..MAX, got " + slices);
            }
            options = options.withSlices(Integer.parseInt(mm[0].trim()), Integer.parseInt(mm[1].trim()));
        }
        if (phases != null) {
            options = options.withPhases(phases.toArray(ContrastPhase[]::new));
        }
        PrintWriter out = spec.commandLine().getOut();
        MsdDataset ds = PhantomDatasetWriter.write(this.out, options, cases, tissues, info -> {
            out.printf("%s  %s  %s  %s  %s  %d tumour(s)%n", info.name(), java.util.Arrays.toString(info.dims()),
                    info.orientation(), info.storage(), info.phase(), info.visibleTumours());
            out.flush();
        });
        out.printf("wrote %d cases (%s) to %s%n", ds.training().size(), ds.name(), this.out);
        out.flush();
        return 0;
    }
}
