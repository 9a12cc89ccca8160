package io.liverseg.cli;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.measure.LabelStatistics;
import io.liverseg.imaging.measure.LabelStatistics.LabelStat;
import io.liverseg.imaging.nifti.NiftiReader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code liverseg stats}: per-label voxels, mL and mean HU of a label map over its CT. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Per-label voxel count, volume (mL) and mean HU of a label volume over its CT.")
final class StatsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--image", description = "The CT (NIfTI); omit for volumes only.")
    Path image;

    @Option(names = "--label", required = true, description = "The label volume (NIfTI) on the CT's grid.")
    Path label;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        NiftiReader reader = NiftiReader.defaults();
        Volume labels = reader.readScan(label);
        Volume ct = image == null ? null : reader.readScan(image);
        List<LabelStat> stats = LabelStatistics.compute(ct, labels);
        double voxelMm3 = labels.affine().voxelVolumeMm3();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("image", image == null ? null : image.toString());
            o.put("label", label.toString());
            o.put("voxel_volume_mm3", voxelMm3);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (LabelStat s : stats) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("label", s.label());
                r.put("voxels", s.voxels());
                r.put("volume_ml", s.volumeMl());
                r.put("mean_hu", Json.finite(s.meanHu()));
                rows.add(r);
            }
            o.put("labels", rows);
            out.println(Json.write(o));
        } else {
            out.printf("voxel volume %.4f mm³ (%s)%n", voxelMm3, label);
            out.printf("%6s %12s %12s %10s%n", "label", "voxels", "volume mL", "mean HU");
            for (LabelStat s : stats) {
                out.printf("%6d %12d %12.2f %10s%n", s.label(), s.voxels(), s.volumeMl(),
                        Double.isNaN(s.meanHu()) ? "-" : String.format("%.1f", s.meanHu()));
            }
        }
        out.flush();
        return 0;
    }
}
