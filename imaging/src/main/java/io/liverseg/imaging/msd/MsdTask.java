package io.liverseg.imaging.msd;

import java.util.Locale;
import java.util.Map;

/** Which Decathlon label convention a dataset follows, recognised from its label names. */
public enum MsdTask {
    /** Task03_Liver: 1 liver, 2 cancer. */
    LIVER,
    /** Task08_HepaticVessel: 1 vessel, 2 tumour. */
    HEPATIC_VESSEL,
    /** Any other labelling. */
    OTHER;

    /** From the dataset.json labels (what label 1 is called), so renamed or phantom datasets are recognised too. */
    static MsdTask of(Map<Integer, String> labels) {
        String one = labels.getOrDefault(1, "").trim().toLowerCase(Locale.ROOT);
        if (one.equals("liver")) {
            return LIVER;
        }
        if (one.equals("vessel") || one.equals("hepatic vessel") || one.equals("vessels")) {
            return HEPATIC_VESSEL;
        }
        return OTHER;
    }
}
