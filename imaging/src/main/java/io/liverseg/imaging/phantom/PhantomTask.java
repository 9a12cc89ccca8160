package io.liverseg.imaging.phantom;

import java.util.Map;

/**
 * Which Medical Segmentation Decathlon label convention a phantom's label map follows. The anatomy is the
 * same for both; only the meaning of label 1 changes.
 */
public enum PhantomTask {
    /** Task03_Liver: 0 background, 1 liver (including its vessels and benign cysts), 2 tumour. */
    LIVER("Task03_Liver", "LiversegPhantomLiver", "liver", Map.of("0", "background", "1", "liver", "2", "cancer")),
    /** Task08_HepaticVessel: 0 background, 1 intrahepatic vessel, 2 tumour. */
    VESSEL("Task08_HepaticVessel", "LiversegPhantomHepaticVessel", "hepaticvessel",
            Map.of("0", "background", "1", "Vessel", "2", "Tumour"));

    private final String msdTask;
    private final String datasetName;
    private final String filePrefix;
    private final Map<String, String> labelNames;

    PhantomTask(String msdTask, String datasetName, String filePrefix, Map<String, String> labelNames) {
        this.msdTask = msdTask;
        this.datasetName = datasetName;
        this.filePrefix = filePrefix;
        this.labelNames = labelNames;
    }

    /** The MSD task whose convention this follows, e.g. "Task03_Liver". */
    public String msdTask() {
        return msdTask;
    }

    /** The {@code name} written to a phantom dataset.json. */
    public String datasetName() {
        return datasetName;
    }

    /** Case file prefix as MSD names them: "liver" gives liver_000.nii.gz. */
    public String filePrefix() {
        return filePrefix;
    }

    /** The MSD dataset.json {@code labels} map, keys "0".."2", spelled as MSD spells them. */
    public Map<String, String> labelNames() {
        return labelNames;
    }
}
