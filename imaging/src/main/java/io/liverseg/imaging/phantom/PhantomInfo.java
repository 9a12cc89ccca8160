package io.liverseg.imaging.phantom;

import java.util.List;

/**
 * What was drawn for one phantom case: enough to reproduce it and to know what it contains.
 *
 * @param name           case name, e.g. "liver_007"
 * @param index          case index within the generator
 * @param seed           the generator seed
 * @param caseSeed       the seed of this case's random streams, derived from (seed, index)
 * @param task           label convention of the label map
 * @param dims           nx, ny, nz
 * @param spacing        voxel size in mm along i, j, k
 * @param orientation    storage axis codes, e.g. "LPS"
 * @param storage        image storage type
 * @param phase          contrast phase
 * @param liverHu        liver parenchyma HU drawn for this case, before the scanner offset and noise
 * @param fattyLiver     true when the liver is steatotic (parenchyma 15 to 35 HU below the phase range)
 * @param huOffset       scanner calibration offset added to every tissue
 * @param noiseSigma     standard deviation of the added noise in HU
 * @param correlatedNoise true when the noise is smoothed (textured, as soft reconstruction kernels give)
 * @param blurSigmaMm    in-plane Gaussian blur sigma (partial volume) in mm
 * @param paddingHu      value outside the circular reconstruction field, or null when there is none
 * @param table          true when a patient table is in the image
 * @param liverVoxels    voxels of liver tissue (parenchyma, intrahepatic vessels, cysts; not tumour)
 * @param tumourVoxels   voxels with label 2
 * @param vesselVoxels   voxels of intrahepatic vessel (label 1 in the vessel task)
 * @param liverSlices    slices that contain liver or tumour
 * @param tumours        the tumours placed, including any outside the scanned slices
 * @param cysts          benign hepatic cysts (labelled liver in the liver task, background in the vessel task)
 * @param vesselSegments tube segments of the hepatic vessel tree
 * @param findings       less common findings and scan features present, e.g. "arms at sides", "ascites",
 *                       "partial hepatectomy", "splenectomy", "cirrhotic surface", "sharp kernel"
 */
public record PhantomInfo(
        String name, int index, long seed, long caseSeed, PhantomTask task,
        int[] dims, double[] spacing, String orientation, StorageType storage,
        ContrastPhase phase, double liverHu, boolean fattyLiver,
        double huOffset, double noiseSigma, boolean correlatedNoise, double blurSigmaMm,
        Integer paddingHu, boolean table,
        long liverVoxels, long tumourVoxels, long vesselVoxels, int liverSlices,
        List<TumourInfo> tumours, int cysts, int vesselSegments, List<String> findings) {

    public PhantomInfo {
        dims = dims.clone();
        spacing = spacing.clone();
        tumours = List.copyOf(tumours);
        findings = List.copyOf(findings);
    }

    /** Tumours that have at least one label-2 voxel in the image. */
    public long visibleTumours() {
        return tumours.stream().filter(t -> t.voxels() > 0).count();
    }
}
