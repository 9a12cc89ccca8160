/**
 * Medical Segmentation Decathlon task folders: reading a {@code dataset.json} with its images and labels
 * ({@link io.liverseg.imaging.msd.MsdDataset}), and writing generated phantoms in the same layout
 * ({@link io.liverseg.imaging.msd.PhantomDatasetWriter}).
 */
package io.liverseg.imaging.msd;
