package io.liverseg.imaging.phantom;

import io.liverseg.imaging.Volume;

/**
 * One generated phantom: a CT image in HU (stored as {@link PhantomInfo#storage()} says) and a uint8 label map
 * on the same grid and affine.
 */
public record PhantomCase(String name, Volume image, Volume label, PhantomInfo info) {
}
