package io.liverseg.imaging.phantom;

/** Enhancement pattern of a phantom tumour relative to the liver around it. */
public enum TumourKind {
    /** Darker than parenchyma: the common case (metastases, most lesions in portal-venous phase). */
    HYPODENSE,
    /** Brighter than parenchyma: arterially enhancing lesions such as HCC. */
    HYPERDENSE,
    /** Bright rim around a dark core, as many metastases look. */
    RIM_ENHANCING
}
