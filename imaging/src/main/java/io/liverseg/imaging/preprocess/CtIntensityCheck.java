package io.liverseg.imaging.preprocess;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.nifti.NiftiException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Refuses an image whose intensities are not CT Hounsfield units before a model segments it. Every CT of a body
 * holds air (about −1000 HU: around the body, lungs, bowel gas) or fat (about −100 HU); an MRI, an image
 * normalised to [0, 1], or a CT converted from DICOM without its rescale intercept (then air is 0 and water 1024)
 * has (nearly) no value below {@value #AIR_OR_FAT_BELOW_HU}, and an MRI's median may be thousands. The model
 * windows HU, so such an image would yield a confident mask of nothing real (nibabel's brain MRI
 * {@code anatomical.nii} got a "liver" of 219 mL). The check is deliberately loose: 0.5 % of the sampled voxels
 * below {@value #AIR_OR_FAT_BELOW_HU} HU and a median up to 1000 HU pass, where a CT of a body has 5–50 % air and
 * fat and a median of air or soft tissue.
 *
 * <p>It samples at most about {@value #MAX_SAMPLES} voxels evenly over the ones given, so it costs a few
 * milliseconds even for a 512×512×300 scan.
 */
public final class CtIntensityCheck {
    /** A CT of a body has voxels below this (air, lung, bowel gas, fat); HU. */
    public static final double AIR_OR_FAT_BELOW_HU = -50;
    /** Share of sampled voxels that must lie below {@link #AIR_OR_FAT_BELOW_HU}; any CT of a body has far more. */
    public static final double MIN_AIR_OR_FAT_SHARE = 0.005;
    /** Air or soft tissue is the median of every CT of a body; HU. */
    public static final double MAX_MEDIAN_HU = 1000;
    /** Roughly how many voxels are looked at. */
    public static final int MAX_SAMPLES = 200_000;
    /** Fat to soft tissue (−100 … 250 HU) shifted by +1024: a CT without its rescale intercept. */
    private static final double SHIFTED_BODY_LOW = 900;
    private static final double SHIFTED_BODY_HIGH = 1300;

    private CtIntensityCheck() {
    }

    /**
     * Throws unless the first {@code voxels} voxels (in file order) of {@code volume} look like CT in HU.
     *
     * @param volume the image, scaled by its scl_slope/scl_inter as {@link Volume#value(int)} reads it
     * @param voxels how many voxels, from the first, hold data yet (a volume still being read)
     * @param file   names the image in the message
     * @throws NiftiException field {@code scl_inter} when the values look like CT without its rescale intercept,
     *                        field {@code data} otherwise
     */
    public static void require(Volume volume, long voxels, Path file) throws NiftiException {
        Optional<Problem> p = check(volume, voxels);
        if (p.isPresent()) {
            throw new NiftiException(file, p.get().field(), p.get().message());
        }
    }

    /** What is wrong with the intensities, if anything. */
    public record Problem(String field, String message) {
    }

    /** The problem of the first {@code voxels} voxels of {@code volume}, or empty when they look like CT in HU. */
    public static Optional<Problem> check(Volume volume, long voxels) {
        long n = Math.min(voxels, volume.voxels().size());
        if (n <= 0) {
            return Optional.empty();
        }
        // an odd stride, so rows of even width do not put every sample in the same column
        long stride = Math.max(1, n / MAX_SAMPLES) | 1;
        double[] samples = new double[(int) ((n + stride - 1) / stride)];
        int s = 0;
        int below = 0;
        for (long i = 0; i < n; i += stride) {
            double v = volume.value((int) i);
            // NaN or infinite padding outside the field of view says nothing about the body inside it
            if (Double.isFinite(v)) {
                below += v < AIR_OR_FAT_BELOW_HU ? 1 : 0;
                samples[s++] = v;
            }
        }
        if (s == 0) {
            return Optional.of(new Problem("data", "the intensities are not CT Hounsfield units: none of the sampled"
                    + " voxels is a finite number"));
        }
        Arrays.sort(samples, 0, s);
        double median = samples[s / 2];
        if (below >= Math.max(1, s * MIN_AIR_OR_FAT_SHARE) && median <= MAX_MEDIAN_HU) {
            return Optional.empty();
        }
        double min = samples[0];
        int body = 0;
        for (int i = 0; i < s; i++) {
            body += samples[i] >= SHIFTED_BODY_LOW && samples[i] <= SHIFTED_BODY_HIGH ? 1 : 0;
        }
        String seen = String.format(Locale.ROOT, "%d of %d sampled voxels (%.2f %%) are below %.0f, values %s to %s,"
                + " median %s", below, s, 100.0 * below / s, AIR_OR_FAT_BELOW_HU, fmt(min), fmt(samples[s - 1]),
                fmt(median));
        // air near 0, a fifth or more at fat/soft tissue + 1024, little beyond bone: CT read without its intercept
        boolean shiftedCt = below == 0 && min <= 100 && body >= s / 5 && samples[(int) (s * 0.9)] <= 1500;
        if (shiftedCt) {
            return Optional.of(new Problem("scl_inter", "the intensities look like CT without its rescale intercept ("
                    + seen + "), where a CT in HU has air at -1000 and fat near -100; a DICOM conversion probably"
                    + " lost RescaleIntercept (usually -1024): set scl_slope/scl_inter, or subtract it from the voxels"));
        }
        return Optional.of(new Problem("data", "the intensities are not CT Hounsfield units (" + seen + "), where a"
                + " CT of a body has air at -1000 HU and fat near -100 in a good share of its voxels and a median"
                + " below " + fmt(MAX_MEDIAN_HU) + " (an MRI, a normalised image or another modality?); liverseg"
                + " segments CT only"));
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.4g", v);
    }
}
