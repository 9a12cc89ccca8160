package io.liverseg.training;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.dataset.LabelledCase;
import io.liverseg.imaging.measure.DiceCounts;
import io.liverseg.imaging.measure.Grids;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.model.DeviceSetting;
import io.liverseg.model.predict.Segmenter;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a model package on labelled scans exactly as it will serve: {@link Segmenter} with the package's own
 * preprocessing and postprocessing, the mask on each scan's grid, compared with the label voxel by voxel. Dice per
 * foreground class pools the voxel counts of all cases (large organs weigh more; a class absent from every
 * reference and prediction scores 1.0); the mean over the foreground classes is what promotion compares.
 */
@ApplicationScoped
public class Evaluator {
    private final NiftiReader reader;

    Evaluator(NiftiReader reader) {
        this.reader = reader;
    }

    public RunRecord.Score evaluate(Path packageDir, String version, List<LabelledCase> cases, int batchSize,
                                    DeviceSetting device) throws IOException {
        long t0 = System.nanoTime();
        try (Segmenter segmenter = Segmenter.open(packageDir, device)) {
            List<String> names = segmenter.manifest().classNames();
            int classes = names.size();
            DiceCounts total = DiceCounts.empty(classes);
            List<RunRecord.CaseScore> perCase = new ArrayList<>();
            for (LabelledCase c : cases) {
                Segmenter.Segmentation s = segmenter.segment(c.image(), reader, new Segmenter.Options(batchSize));
                Volume reference = reader.readScan(c.label());
                Grids.requireSameGrid(s.mask(), reference, c.name() + " mask of version " + version + " vs label");
                DiceCounts counts = DiceCounts.of(s.mask(), reference, classes);
                total = total.plus(counts);
                perCase.add(new RunRecord.CaseScore(c.name(), foreground(counts, names)));
            }
            Map<String, Double> dice = foreground(total, names);
            double mean = dice.values().stream().mapToDouble(Double::doubleValue).average().orElse(0);
            return new RunRecord.Score(version, dice, mean, perCase, (System.nanoTime() - t0) / 1_000_000);
        }
    }

    private static Map<String, Double> foreground(DiceCounts counts, List<String> names) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int c = 1; c < names.size(); c++) {
            m.put(names.get(c), counts.dice(c));
        }
        return m;
    }
}
