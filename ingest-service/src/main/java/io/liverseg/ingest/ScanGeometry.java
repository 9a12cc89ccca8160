package io.liverseg.ingest;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.liverseg.imaging.Affine;
import io.liverseg.proto.events.v1.Geometry;
import java.util.Arrays;

/**
 * The grid of a scan as its header gives it: what ScanReceived and scan.json carry.
 *
 * @param dims        voxel counts along i, j, k
 * @param affine      4x4 voxel-to-world (RAS+, mm), row-major
 * @param orientation axis codes, e.g. "RAS", "LPS"
 * @param spacingMm   voxel size in mm along i, j, k
 */
public record ScanGeometry(int[] dims, double[] affine, String orientation,
                           @JsonProperty("spacing_mm") double[] spacingMm) {

    public static ScanGeometry of(int[] dims, Affine affine) {
        return new ScanGeometry(dims.clone(), affine.toArray(), affine.orientationCode(), affine.spacing());
    }

    public Geometry toProto() {
        Geometry.Builder b = Geometry.newBuilder();
        Arrays.stream(dims).forEach(b::addDims);
        Arrays.stream(affine).forEach(b::addAffine);
        Arrays.stream(spacingMm).forEach(b::addSpacingMm);
        return b.setOrientation(orientation).build();
    }

    /** Same dims, and every affine entry within {@code toleranceMm}. */
    public boolean sameGrid(ScanGeometry other, double toleranceMm) {
        if (!Arrays.equals(dims, other.dims)) {
            return false;
        }
        for (int i = 0; i < 16; i++) {
            if (!(Math.abs(affine[i] - other.affine[i]) <= toleranceMm)) {
                return false;
            }
        }
        return true;
    }
}
