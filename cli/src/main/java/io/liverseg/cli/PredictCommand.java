package io.liverseg.cli;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.measure.LabelStatistics;
import io.liverseg.imaging.nifti.NiftiHeader;
import io.liverseg.imaging.nifti.NiftiImage;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.nifti.NiftiWriter;
import io.liverseg.model.predict.MaskHeaders;
import io.liverseg.model.predict.Segmenter;
import java.io.PrintWriter;
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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code liverseg predict}: segments one CT with a model package; the mask keeps the input's exact grid. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Segment a CT (NIfTI) with a model package. The mask (uint8 labels) has the input's exact",
            "dims and affine (its sform/qform are copied from the input header)."})
final class PredictCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Parameters(paramLabel = "IN", description = "The CT (.nii or .nii.gz).")
    Path in;

    @Option(names = {"-o", "--output"}, required = true, description = "The mask to write (.nii.gz by default).")
    Path output;

    @Option(names = "--json", description = "Print one JSON object: per-label volumes (mL) and timings.")
    boolean json;

    @Option(names = "--attention", paramLabel = "FILE",
            description = {"Also write the attention gates' maps (.nii.gz: 4D, one volume per gate, finest first,",
                "uint8 read as alpha = value / 255) on the input's grid, for a viewer beside the mask. Costs a",
                "second, plain pass over the scan (without --tta); the mask is the same as without it."})
    Path attention;


    @Override
    public Integer call() throws Exception {
        NiftiReader reader = NiftiReader.defaults();
        NiftiHeader inputHeader = reader.readHeader(in);
        Map<String, Object> o = new LinkedHashMap<>();
        try (Segmenter segmenter = model.open()) {
            Segmenter.Segmentation s = segmenter.segment(in, reader, model.segmentOptions());
            long t = System.nanoTime();
            NiftiWriter.write(new NiftiImage(MaskHeaders.of(inputHeader, segmenter.manifest()), s.mask(), 0), output);
            Map<String, Long> timings = new LinkedHashMap<>(s.timingsMs());
            timings.put("write_ms", (System.nanoTime() - t) / 1_000_000);
            if (attention != null) {
                long ta = System.nanoTime();
                Volume maps = segmenter.attentionMaps(in, reader, model.segmentOptions().batchSize());
                NiftiWriter.write(new NiftiImage(MaskHeaders.attention(inputHeader, segmenter.manifest()), maps, 0),
                        attention);
                timings.put("attention_ms", (System.nanoTime() - ta) / 1_000_000);
            }
            o.put("input", in.toString());
            o.put("output", output.toString());
            if (attention != null) {
                o.put("attention", attention.toString());
            }
            o.put("model", Map.of("name", segmenter.manifest().name(), "version", segmenter.manifest().version()));
            o.put("augmentation", model.tta.id());
            o.put("labels", labelRows(s.image(), s.mask(), segmenter.manifest().classNames()));
            o.put("timings_ms", timings);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(o));
        } else {
            out.printf("wrote %s%n", output);
            if (attention != null) {
                out.printf("wrote %s (attention maps)%n", attention);
            }
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> rows = (List<Map<String, Object>>) o.get("labels");
            for (Map<String, Object> r : rows) {
                out.printf(Locale.ROOT, "  %-10s %10.2f mL  mean HU %s%n", r.get("name"), (Double) r.get("volume_ml"),
                        r.get("mean_hu") == null ? "-" : String.format(Locale.ROOT, "%.1f", (Double) r.get("mean_hu")));
            }
            out.printf("timings %s%n", o.get("timings_ms"));
        }
        out.flush();
        return 0;
    }

    /** Foreground labels of the model's classes (all of them, 0 mL when absent), with volume and mean HU. */
    static List<Map<String, Object>> labelRows(Volume image, Volume mask, List<String> classNames) {
        Map<Integer, LabelStatistics.LabelStat> stats = new LinkedHashMap<>();
        for (LabelStatistics.LabelStat s : LabelStatistics.compute(image, mask)) {
            stats.put(s.label(), s);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int c = 1; c < classNames.size(); c++) {
            LabelStatistics.LabelStat s = stats.get(c);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("label", c);
            r.put("name", classNames.get(c));
            r.put("voxels", s == null ? 0L : s.voxels());
            r.put("volume_ml", s == null ? 0.0 : s.volumeMl());
            r.put("mean_hu", s == null ? null : Json.finite(s.meanHu()));
            rows.add(r);
        }
        return rows;
    }
}
