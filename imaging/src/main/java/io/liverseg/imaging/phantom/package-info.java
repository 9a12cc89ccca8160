/**
 * Synthetic abdominal CT phantoms with liver, tumour and hepatic vessel labels, for training and testing
 * segmentation models while real data cannot be used.
 *
 * <p>{@link io.liverseg.imaging.phantom.PhantomGenerator} draws each case from (seed, index): a patient
 * (body habitus and outline, subcutaneous and visceral fat, abdominal wall and paraspinal muscles, psoas,
 * spine with discs and posterior elements, ribs and costal cartilage, diaphragm domes with lung bases and
 * heart above, aorta with optional calcified plaque and iliac bifurcation, IVC, kidneys with cortex, medulla
 * and sinus, spleen, stomach with air-fluid level, gallbladder with optional stones, pancreas, colon with
 * stool and gas, small bowel, a liver built from three deformed lobes, a portal and hepatic venous tree,
 * tumours and cysts; sometimes arms at the sides, ascites, a partial hepatectomy, a missing spleen or
 * kidney) and a scan of it (contrast phase, field of view and in-plane spacing, slice thickness and count,
 * table, reconstruction-circle padding, blur and kernel sharpness, noise, HU calibration offset, storage
 * orientation and type).
 *
 * <p>Coordinates: anatomy is placed in world RAS+ millimetres, the frame of the NIfTI affine, where +x is
 * the patient's right, +y anterior and +z superior. The liver therefore lies at +x (patient right) and the
 * spleen at −x, whatever orientation a case is stored in; RAS and LPS copies of a case have identical voxels
 * at identical world positions.
 *
 * <p>Labels follow the Medical Segmentation Decathlon: {@link io.liverseg.imaging.phantom.PhantomTask#LIVER}
 * (Task03: 1 liver, 2 tumour) or {@link io.liverseg.imaging.phantom.PhantomTask#VESSEL} (Task08: 1 vessel,
 * 2 tumour).
 */
package io.liverseg.imaging.phantom;
