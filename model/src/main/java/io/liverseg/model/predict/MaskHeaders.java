package io.liverseg.model.predict;

import io.liverseg.imaging.DataType;
import io.liverseg.imaging.nifti.NiftiHeader;
import io.liverseg.model.pkg.ModelManifest;
import java.util.ArrayList;
import java.util.List;

/**
 * The NIfTI headers a segmentation's outputs are written with, both its input's header — geometry, codes, pixdim,
 * units and extensions verbatim, so they lie exactly on the scan — as uint8 with their own display range and
 * description. A mask is a label map that viewers show as one: intent {@code NIFTI_INTENT_LABEL}, cal_min 0 and
 * cal_max the highest class, and the legend in descrip ({@code liverseg liver v7: 1 liver, 2 tumour}) instead of the
 * scan's own description. Class probabilities ({@link #probabilities}) are windowed 0 to 1.
 */
public final class MaskHeaders {
    /** nifti1.h's NIFTI_INTENT_LABEL: the voxel values are indices into a set of labels. */
    public static final int NIFTI_INTENT_LABEL = 1002;
    private static final int DESCRIP_MAX = 79;

    private MaskHeaders() {
    }

    /** The header for a mask of {@code input} predicted by the package {@code model} describes. */
    public static NiftiHeader of(NiftiHeader input, ModelManifest model) {
        List<String> classes = model.classNames();
        // the datatype first: NiftiWriter resets cal_min/cal_max of a header whose datatype it has to change
        return input.toBuilder()
                .datatype(DataType.UINT8.niftiCode())
                .bitpix(8)
                .sclSlope(1)
                .sclInter(0)
                .calMin(0)
                .calMax(classes.size() - 1)
                .intentCode(NIFTI_INTENT_LABEL)
                .intentP1(0)
                .intentP2(0)
                .intentP3(0)
                .intentName("labels")
                .descrip(legend(model))
                .build();
    }

    /**
     * The header of the class probabilities (4D, a volume per class, uint8 read as p = value / 255): cal_min 0 and
     * cal_max 1 so viewers window them as probabilities, intent_name "probabilities" and the class names in descrip.
     * The caller's volume gives dims and scaling.
     */
    public static NiftiHeader probabilities(NiftiHeader input, List<String> classNames) {
        return unitInterval(input, "probabilities", "liverseg P(class): " + String.join(",", classNames));
    }

    /**
     * The header of the attention maps ({@link Segmenter#attentionMaps}: 4D, a volume per gate, uint8 read as
     * α = value / 255) of the package {@code model} describes: cal_min 0 and cal_max 1, intent_name "attention" and
     * the gates' own sizes in descrip (finest first; a coarser gate was upsampled to the network's grid). The
     * caller's volume gives dims and scaling.
     */
    public static NiftiHeader attention(NiftiHeader input, ModelManifest model) {
        int targetSize = model.preprocessing().targetSize();
        List<String> sizes = new ArrayList<>();
        for (int g = 0; g < Segmenter.attentionGates(model); g++) {
            sizes.add(String.valueOf(targetSize >> g));
        }
        return unitInterval(input, "attention", "liverseg attention gates, finest first: " + String.join(",", sizes)
                + " px");
    }

    /** uint8 volumes read as values in [0, 1] (the caller's volume gives the scale), for viewers to window so. */
    private static NiftiHeader unitInterval(NiftiHeader input, String intentName, String descrip) {
        // the datatype first: NiftiWriter resets cal_min/cal_max of a header whose datatype it has to change
        return input.toBuilder()
                .datatype(DataType.UINT8.niftiCode())
                .bitpix(8)
                .calMin(0)
                .calMax(1)
                .intentCode(0)
                .intentName(intentName)
                .descrip(fit(descrip))
                .build();
    }

    /** {@code liverseg NAME vVERSION: 1 CLASS, 2 CLASS}, cut to descrip's 79 characters. */
    static String legend(ModelManifest model) {
        List<String> entries = new ArrayList<>();
        List<String> classes = model.classNames();
        for (int i = 1; i < classes.size(); i++) {
            entries.add(i + " " + classes.get(i));
        }
        return fit("liverseg " + model.name() + " v" + model.version() + ": " + String.join(", ", entries));
    }

    /** {@code text} cut to descrip's 79 characters. */
    private static String fit(String text) {
        return text.length() > DESCRIP_MAX ? text.substring(0, DESCRIP_MAX) : text;
    }
}
