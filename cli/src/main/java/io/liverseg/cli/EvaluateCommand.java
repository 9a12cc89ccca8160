package io.liverseg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.measure.DiceCounts;
import io.liverseg.imaging.measure.Grids;
import io.liverseg.imaging.measure.TissueErrors;
import io.liverseg.imaging.msd.MsdDataset;
import io.liverseg.imaging.msd.PhantomDatasetWriter;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.model.predict.Segmenter;
import java.io.IOException;
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
    private static final String FALSE_POSITIVE = "false_positive";
    private static final String FALSE_NEGATIVE = "false_negative";

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

    @Option(names = "--tissues", paramLabel = "DIR",
            description = {"Folder of tissue maps with the same file names and their legend.json (`liverseg phantoms"
                + " --tissues` writes tissuesTr/):", "also report each class's false positives and false negatives"
                + " in mL by the tissue they lie in."})
    Path tissues;


    @Override
    public Integer call() throws Exception {
        List<Path> files = MsdDataset.niftiFiles(images);
        if (files.isEmpty()) {
            throw new NoSuchFileException(images + ": no .nii/.nii.gz images to evaluate");
        }
        NiftiReader reader = NiftiReader.defaults();
        PrintWriter out = spec.commandLine().getOut();
        List<String> tissueNames = tissues == null ? null : readLegend(tissues);
        List<Map<String, Object>> cases = new ArrayList<>();
        Map<String, Double> meanDice = new LinkedHashMap<>();
        Map<String, Double> globalDice = new LinkedHashMap<>();
        try (Segmenter segmenter = model.open()) {
            List<String> names = segmenter.manifest().classNames();
            int classes = names.size();
            DiceCounts global = DiceCounts.empty(classes);
            double[] sums = new double[classes];
            Map<String, Map<String, Map<String, Double>>> pooledErrors = new LinkedHashMap<>();
            for (Path image : files) {
                Path label = labels.resolve(image.getFileName().toString());
                if (!Files.exists(label)) {
                    throw new NoSuchFileException(label + ": no reference label for " + image.getFileName());
                }
                Volume reference = reader.readScan(label);
                Segmenter.Segmentation s = segmenter.segment(image, reader, model.segmentOptions());
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
                if (tissueNames != null) {
                    Path map = tissues.resolve(image.getFileName().toString());
                    if (!Files.exists(map)) {
                        throw new NoSuchFileException(map + ": no tissue map for " + image.getFileName());
                    }
                    Volume tissueMap = reader.readScan(map);
                    Grids.requireSameGrid(tissueMap, reference, map.getFileName() + " tissue map vs reference label");
                    TissueErrors errors = TissueErrors.of(s.mask(), reference, tissueMap, classes, tissueNames.size());
                    Map<String, Map<String, Map<String, Double>>> ml = errorsMl(errors, names, tissueNames, voxelMl);
                    row.put("errors_by_tissue_ml", ml);
                    addInto(pooledErrors, ml);
                }
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
            o.put("augmentation", model.tta.id());
            o.put("cases", cases);
            o.put("mean_dice", meanDice);
            o.put("global_dice", globalDice);
            Map<String, Map<String, Map<String, Double>>> errorsByTissue = sorted(pooledErrors);
            if (tissueNames != null) {
                o.put("errors_by_tissue_ml", errorsByTissue);
            }
            if (json) {
                out.println(Json.write(o));
            } else {
                out.printf(Locale.ROOT, "mean Dice over %d cases: %s%nglobal Dice: %s%n", files.size(),
                        TrainCommand.format(meanDice), TrainCommand.format(globalDice));
                if (tissueNames != null) {
                    printErrors(out, errorsByTissue);
                }
            }
        }
        out.flush();
        return 0;
    }

    /** The legend of a tissue-map folder: names by code, {"0": "air", ...} with no gaps. */
    static List<String> readLegend(Path dir) throws IOException {
        Path legend = dir.resolve(PhantomDatasetWriter.TISSUE_LEGEND);
        if (!Files.isRegularFile(legend)) {
            throw new NoSuchFileException(legend + ": --tissues needs the tissue codes' names (written by"
                    + " `liverseg phantoms --tissues`)");
        }
        JsonNode node = new ObjectMapper().readTree(legend.toFile());
        List<String> names = new ArrayList<>();
        for (int code = 0; node.has(Integer.toString(code)); code++) {
            names.add(node.get(Integer.toString(code)).asText());
        }
        if (names.isEmpty() || names.size() != node.size()) {
            throw new IllegalArgumentException(legend + ": expected names for codes 0, 1, 2, ... without gaps, got "
                    + node.size() + " entries of which codes 0.." + (names.size() - 1) + " in a row");
        }
        return names;
    }

    /** Per foreground class: false positives and false negatives in mL by tissue (tissues with none left out). */
    private static Map<String, Map<String, Map<String, Double>>> errorsMl(TissueErrors e, List<String> classNames,
                                                                        List<String> tissueNames, double voxelMl) {
        Map<String, Map<String, Map<String, Double>>> out = new LinkedHashMap<>();
        for (int c = 1; c < classNames.size(); c++) {
            Map<String, Double> fp = new LinkedHashMap<>();
            Map<String, Double> fn = new LinkedHashMap<>();
            for (int t = 0; t < tissueNames.size(); t++) {
                if (e.falsePositives(c, t) > 0) {
                    fp.put(tissueNames.get(t), e.falsePositives(c, t) * voxelMl);
                }
                if (e.falseNegatives(c, t) > 0) {
                    fn.put(tissueNames.get(t), e.falseNegatives(c, t) * voxelMl);
                }
            }
            Map<String, Map<String, Double>> both = new LinkedHashMap<>();
            both.put(FALSE_POSITIVE, fp);
            both.put(FALSE_NEGATIVE, fn);
            out.put(classNames.get(c), both);
        }
        return sorted(out);
    }

    /** Sums one case's mL into the pooled errors (cases differ in voxel size, so mL, not voxels, add up). */
    private static void addInto(Map<String, Map<String, Map<String, Double>>> pooled,
                                Map<String, Map<String, Map<String, Double>>> one) {
        one.forEach((cls, kinds) -> kinds.forEach((kind, byTissue) -> byTissue.forEach((tissue, ml) ->
                pooled.computeIfAbsent(cls, k -> new LinkedHashMap<>())
                        .computeIfAbsent(kind, k -> new LinkedHashMap<>())
                        .merge(tissue, ml, Double::sum))));
    }

    /** The same maps with every tissue list ordered by volume, largest first. */
    private static Map<String, Map<String, Map<String, Double>>> sorted(
            Map<String, Map<String, Map<String, Double>>> errors) {
        Map<String, Map<String, Map<String, Double>>> out = new LinkedHashMap<>();
        errors.forEach((cls, kinds) -> {
            Map<String, Map<String, Double>> k2 = new LinkedHashMap<>();
            kinds.forEach((kind, byTissue) -> {
                Map<String, Double> ordered = new LinkedHashMap<>();
                byTissue.entrySet().stream()
                        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                        .forEach(en -> ordered.put(en.getKey(), en.getValue()));
                k2.put(kind, ordered);
            });
            out.put(cls, k2);
        });
        return out;
    }

    private static void printErrors(PrintWriter out, Map<String, Map<String, Map<String, Double>>> errors) {
        errors.forEach((cls, kinds) -> kinds.forEach((kind, byTissue) -> {
            StringBuilder b = new StringBuilder();
            byTissue.entrySet().stream().limit(6).forEach(en -> b.append(b.length() == 0 ? "" : ", ")
                    .append(String.format(Locale.ROOT, "%s %.1f mL", en.getKey(), en.getValue())));
            double total = byTissue.values().stream().mapToDouble(Double::doubleValue).sum();
            out.printf(Locale.ROOT, "%s %s: %.1f mL (%s)%n", cls, kind.replace('_', ' '), total,
                    b.length() == 0 ? "none" : b);
        }));
    }

    static String caseName(Path image) {
        String n = image.getFileName().toString();
        return n.endsWith(".nii.gz") ? n.substring(0, n.length() - 7) : n.endsWith(".nii") ? n.substring(0, n.length() - 4) : n;
    }
}
