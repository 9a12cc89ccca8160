package io.liverseg.training;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.dataset.DatasetFingerprint;
import io.liverseg.imaging.measure.Grids;
import io.liverseg.imaging.nifti.NiftiHeader;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.proto.events.v1.LabeledScan;
import io.liverseg.storage.ObjectKeys;
import io.liverseg.storage.ObjectStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks a labelled scan before it enters a dataset (the ingest endpoint checks too; this is the double check for
 * labels from any producer): the image exists, the label is a readable 3D NIfTI on the image's exact grid (dims,
 * and affine within {@link Grids#AFFINE_TOLERANCE_MM}), and every label value is a class of the task. Gives the
 * SHA-256 of image and label for the manifest and its fingerprint.
 */
@ApplicationScoped
public class LabelInspector {
    /** Bytes of the image read for its header (the label is read whole). */
    static final int HEADER_BYTES = 1 << 20;

    private final ObjectStore store;
    private final NiftiReader reader;

    LabelInspector(ObjectStore store, NiftiReader reader) {
        this.store = store;
        this.reader = reader;
    }

    /** What was found. */
    public record Inspected(String imageSha256, String labelSha256) {
    }

    /** A label that cannot enter the dataset; names the field at fault. */
    public static final class LabelRefusedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final String field;

        LabelRefusedException(String field, String message) {
            super(message);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    public Inspected inspect(LabeledScan e, List<String> classNames) throws LabelRefusedException, IOException {
        if (!ObjectKeys.isScanId(e.getScanId())) {
            throw new LabelRefusedException("scan_id", "scan_id '" + e.getScanId() + "' is not 64 lower-case hex digits");
        }
        if (e.getImageKey().isEmpty() || e.getLabelKey().isEmpty()) {
            throw new LabelRefusedException(e.getImageKey().isEmpty() ? "image_key" : "label_key",
                    "LabeledScan of scan " + e.getScanId() + " without " + (e.getImageKey().isEmpty() ? "image_key" : "label_key"));
        }
        Path dir = Files.createTempDirectory("liverseg-label-");
        try {
            Path image = dir.resolve("image" + suffix(e.getImageKey()));
            Path label = dir.resolve("label" + suffix(e.getLabelKey()));
            if (!headOf(e.getImageKey(), image)) {
                throw new LabelRefusedException("image_key", "image " + e.getImageKey() + " of scan " + e.getScanId()
                        + " is not in bucket " + store.bucket());
            }
            if (!store.download(e.getLabelKey(), label)) {
                throw new LabelRefusedException("label_key", "label " + e.getLabelKey() + " of scan " + e.getScanId()
                        + " is not in bucket " + store.bucket());
            }
            NiftiHeader imageHeader = imageHeader(e.getImageKey(), image);
            Volume labelVolume;
            try {
                labelVolume = reader.readScan(label);
            } catch (IOException | RuntimeException x) {
                throw new LabelRefusedException("label_key", "label " + e.getLabelKey() + " is not a readable 3D NIfTI: "
                        + String.valueOf(x.getMessage()).replace(label.toString(), e.getLabelKey()));
            }
            checkGrid(e, imageHeader, labelVolume);
            checkValues(e, labelVolume, classNames);
            String imageSha = e.getImageKey().startsWith(ObjectKeys.scanPrefix(e.getScanId()) + "image.")
                    ? e.getScanId() // ingest names a scan by the SHA-256 of its image bytes
                    : fullHash(e.getImageKey(), image);
            return new Inspected(imageSha, DatasetFingerprint.fileHash(label));
        } finally {
            try (var s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private void checkGrid(LabeledScan e, NiftiHeader image, Volume label) throws LabelRefusedException {
        long[] dim = image.dim();
        int[] imageDims = {(int) dim[1], dim[0] >= 2 ? (int) dim[2] : 1, dim[0] >= 3 ? (int) dim[3] : 1};
        int[] labelDims = Arrays.copyOf(label.dims(), 3);
        if (!Arrays.equals(imageDims, labelDims)) {
            throw new LabelRefusedException("dim", "label " + e.getLabelKey() + " has dims " + Arrays.toString(labelDims)
                    + " but its image " + e.getImageKey() + " has " + Arrays.toString(imageDims)
                    + ": a label must be on its scan's grid");
        }
        Affine a = image.affine();
        Affine b = label.affine();
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) {
                if (!(Math.abs(a.get(r, c) - b.get(r, c)) <= Grids.AFFINE_TOLERANCE_MM)) {
                    throw new LabelRefusedException("affine", String.format(Locale.ROOT,
                            "label %s has affine[%d][%d] = %.6f but its image %s has %.6f: a label must be on its scan's"
                                    + " grid (sform/qform)", e.getLabelKey(), r, c, b.get(r, c), e.getImageKey(), a.get(r, c)));
                }
            }
        }
    }

    private static void checkValues(LabeledScan e, Volume label, List<String> classNames) throws LabelRefusedException {
        int n = label.voxels().size();
        for (int i = 0; i < n; i++) {
            double v = label.value(i);
            if (v < 0 || v >= classNames.size() || v != Math.rint(v)) {
                throw new LabelRefusedException("label_key", "label " + e.getLabelKey() + " has value " + v
                        + ", not a class of " + classNames + " (0.." + (classNames.size() - 1) + ")");
            }
        }
    }

    /** The first {@link #HEADER_BYTES} of an object: enough for a NIfTI header, also inside gzip. */
    private boolean headOf(String key, Path target) throws IOException {
        Optional<InputStream> in = store.open(key);
        if (in.isEmpty()) {
            return false;
        }
        try (InputStream s = in.get(); OutputStream out = Files.newOutputStream(target)) {
            out.write(s.readNBytes(HEADER_BYTES));
        }
        return true;
    }

    private NiftiHeader imageHeader(String key, Path head) throws IOException {
        try {
            return reader.readHeader(head);
        } catch (IOException | RuntimeException partial) {
            // a header with extensions beyond the first MiB: read the whole file
            if (!store.download(key, head)) {
                throw partial;
            }
            return reader.readHeader(head);
        }
    }

    private String fullHash(String key, Path target) throws IOException {
        store.download(key, target);
        return DatasetFingerprint.fileHash(target);
    }

    static String suffix(String key) {
        return key.toLowerCase(Locale.ROOT).endsWith(".gz") ? ".nii.gz" : ".nii";
    }
}
