package io.liverseg.cli;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.measure.DiceCounts;
import io.liverseg.imaging.measure.Grids;
import io.liverseg.imaging.msd.MsdDataset;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.model.predict.Segmenter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code liverseg evaluate}: per-case and global Dice per class against reference labels. Per-case Dice of a
 * class absent from both prediction and reference is 1.0; the mean is over cases, the global Dice pools the
 * voxel counts of all cases first (large livers weigh more).
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Segment every CT in --images and compare with the label of the same file name in --labels:",
            "per-case Dice, mean Dice over cases and global Dice (counts pooled over cases) per class, and volumes.",
            "A class absent from both prediction and reference scores Dice 1.0 for that case."})
final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = "--images", required = true, description = "Folder of CTs (.nii/.nii.gz).")
    Path images;

    @Option(names = "--labels", required = true, description = "Folder of reference labels with the same file names.")
    Path labels;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;


    @Override
    public Integer call() throws Exception {
        List<Path> files = MsdDataset.niftiFiles(images);
        if (files.isEmpty()) {
            throw new NoSuchFileException(images + ": no .nii/.nii.gz images to evaluate");
        }
        NiftiReader reader = NiftiReader.defaults();
        PrintWriter out = spec.commandLine().getOut();
        List<Map<String, Object>> cases = new ArrayList<>();
        Map<String, Double> meanDice = new LinkedHashMap<>();
        Map<String, Double> globalDice = new LinkedHashMap<>();
        try (Segmenter segmenter = model.open()) {
            List<String> names = segmenter.manifest().classNames();
            int classes = names.size();
            DiceCounts global = DiceCounts.empty(classes);
            double[] sums = new double[classes];
            for (Path image : files) {
                Path label = labels.resolve(image.getFileName().toString());
                if (!Files.exists(label)) {
                    throw new NoSuchFileException(label + ": no reference label for " + image.getFileName());
                }
                Volume reference = reader.readScan(label);
                Segmenter.Segmentation s = segmenter.segment(image, reader, new Segmenter.Options(model.batch, false));
                Grids.requireSameGrid(s.mask(), reference, image.getFileName() + " reference label vs image");
                DiceCounts counts = DiceCounts.of(s.mask(), reference, classes);
                global = global.plus(counts);
                Map<String, Object> row = new LinkedHashMap<>();
                String caseName = caseName(image);
                row.put("case", caseName);
                Map<String, Double> dice = new LinkedHashMap<>();
                Map<String, Object> volumes = new LinkedHashMap<>();
                double voxelMl = reference.affine().voxelVolumeMm3() / 1000;
                for (int c = 1; c < classes; c++) {
                    dice.put(names.get(c), counts.dice(c));
                    sums[c] += counts.dice(c);
                    volumes.put(names.get(c), Map.of("predicted", counts.predicted(c) * voxelMl,
                            "reference", counts.reference(c) * voxelMl));
                }
                row.put("dice", dice);
                row.put("volume_ml", volumes);
                row.put("timings_ms", s.timingsMs());
                cases.add(row);
                if (!json) {
                    out.printf("%-24s %s%n", caseName, TrainCommand.format(dice));
                    out.flush();
                }
            }
            for (int c = 1; c < classes; c++) {
                meanDice.put(names.get(c), sums[c] / files.size());
                globalDice.put(names.get(c), global.dice(c));
            }
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", Map.of("name", segmenter.manifest().name(), "version", segmenter.manifest().version()));
            o.put("cases", cases);
            o.put("mean_dice", meanDice);
            o.put("global_dice", globalDice);
            if (json) {
                out.println(Json.write(o));
            } else {
                out.printf(Locale.ROOT, "mean Dice over %d cases: %s%nglobal Dice: %s%n", files.size(),
                        TrainCommand.format(meanDice), TrainCommand.format(globalDice));
            }
        }
        out.flush();
        return 0;
    }

    static String caseName(Path image) {
        String n = image.getFileName().toString();
        return n.endsWith(".nii.gz") ? n.substring(0, n.length() - 7) : n.endsWith(".nii") ? n.substring(0, n.length() - 4) : n;
    }
}
