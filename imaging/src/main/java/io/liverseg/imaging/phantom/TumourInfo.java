package io.liverseg.imaging.phantom;

/**
 * One phantom tumour as generated.
 *
 * @param centerMm    centre in world RAS+ millimetres
 * @param diameterMm  nominal diameter (the shape is a lobulated ellipsoid around it)
 * @param kind        enhancement pattern
 * @param contrastHu  HU of the lesion's body relative to the liver parenchyma (negative = hypodense);
 *                    for a rim-enhancing lesion, the core's
 * @param voxels      label-2 voxels this tumour contributes inside the scanned range (0 when it lies outside
 *                    the slices or behind a larger tumour)
 */
public record TumourInfo(double[] centerMm, double diameterMm, TumourKind kind, double contrastHu, long voxels) {
}
