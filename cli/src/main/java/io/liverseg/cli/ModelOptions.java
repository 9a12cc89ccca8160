package io.liverseg.cli;

import io.liverseg.model.DeviceSetting;
import io.liverseg.model.DjlEnvironment;
import io.liverseg.model.predict.Segmenter;
import io.liverseg.model.predict.TestTimeAugmentation;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/**
 * Options of every command that runs a model package: which package, where, how many slices at once and with
 * which test-time augmentation.
 */
final class ModelOptions {
    @Option(names = "--model", required = true, description = "Model package folder (model.json + weights).")
    Path model;

    @Option(names = "--batch", defaultValue = "8", description = "Slices per forward pass (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, gpu or auto (default ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--lanes", defaultValue = "" + DjlEnvironment.DEFAULT_FORWARD_LANES,
            description = "Forward passes at once on CPU, each with cores / lanes intra-op threads; 1 = one pass at"
                + " a time with every core (default ${DEFAULT-VALUE}, as the inference service's"
                + " liverseg.inference.lanes).")
    int lanes;

    @Option(names = "--tta", arity = "0..1", defaultValue = "none", fallbackValue = "flip", paramLabel = "MODE",
            converter = TtaConverter.class, description = {"Test-time augmentation: none (default), flip (the"
                + " left-right mirror too, 2 passes; only for models trained with mirroring; --tta alone means flip)"
                + " or shift (four copies moved by " + TestTimeAugmentation.SHIFT_PIXELS + " pixels of the network's"
                + " grid, 5 passes; see models/README.md)."})
    TestTimeAugmentation tta;

    /** Parses {@code none|flip|shift}, case-insensitive. */
    static final class TtaConverter implements ITypeConverter<TestTimeAugmentation> {
        @Override
        public TestTimeAugmentation convert(String value) {
            return TestTimeAugmentation.parse(value);
        }
    }

    /** The options of one segmentation: the batch and the augmentation asked for. */
    Segmenter.Options segmentOptions() {
        return new Segmenter.Options(batch, tta);
    }

    Segmenter open() throws IOException {
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        }
        DeviceSetting setting = DeviceSetting.parse(device);
        DjlEnvironment.initForInference(lanes, setting);
        return Segmenter.open(model, setting, batch);
    }
}
