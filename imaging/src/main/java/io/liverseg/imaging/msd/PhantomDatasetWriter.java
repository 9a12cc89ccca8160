package io.liverseg.imaging.msd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liverseg.imaging.nifti.NiftiWriter;
import io.liverseg.imaging.phantom.PhantomCase;
import io.liverseg.imaging.phantom.PhantomGenerator;
import io.liverseg.imaging.phantom.PhantomInfo;
import io.liverseg.imaging.phantom.PhantomOptions;
import io.liverseg.imaging.phantom.PhantomTask;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Writes generated phantoms as a Decathlon task folder, so everything that reads MSD data reads them too:
 * {@code imagesTr/}, {@code labelsTr/} and {@code dataset.json} in the Task03_Liver or Task08_HepaticVessel
 * convention, plus {@code phantoms.json} with what was drawn for each case (seed, orientation, spacing,
 * storage, phase, tumours); on request also each case's tissue map ({@value #TISSUES_DIR}/) for error analysis.
 *
 * <p>dataset.json is written last, so a folder without it is an interrupted run. Asking a folder written with
 * the same options (its phantoms.json says so) for more cases keeps the cases it has and generates only the
 * new ones: case i depends only on the options and i, so the result equals a fresh run. Otherwise existing
 * files of the same names are replaced; other files are left alone (dataset.json lists exactly the cases
 * written).
 */
public final class PhantomDatasetWriter {
    /** dataset.json {@code release} of phantom datasets. */
    public static final String RELEASE = "liverseg-phantom-1";
    /** Folder of the tissue maps, beside imagesTr/ and labelsTr/. */
    public static final String TISSUES_DIR = "tissuesTr";
    /** The tissue codes' names in {@value #TISSUES_DIR}/: {"0": "air", "1": "fat_subcutaneous", ...}. */
    public static final String TISSUE_LEGEND = "legend.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PhantomDatasetWriter() {
    }

    /** Writes cases 0..cases−1 of the options' generator to outDir and returns the dataset as read back. */
    public static MsdDataset write(Path outDir, PhantomOptions options, int cases) throws IOException {
        return write(outDir, options, cases, info -> { });
    }

    /**
     * As {@link #write(Path, PhantomOptions, int)}, telling {@code progress} about each case once its files
     * are written.
     */
    public static MsdDataset write(Path outDir, PhantomOptions options, int cases, Consumer<PhantomInfo> progress)
            throws IOException {
        return write(outDir, options, cases, false, progress);
    }

    /**
     * As {@link #write(Path, PhantomOptions, int, Consumer)}; with {@code tissues} also each case's tissue map in
     * {@value #TISSUES_DIR}/ (uint8 codes on the image's grid, the same file name) and the codes' names in
     * {@value #TISSUES_DIR}/{@value #TISSUE_LEGEND}. Kept cases whose tissue map is missing are generated again
     * (the same bytes: a case depends only on the options and its index).
     */
    public static MsdDataset write(Path outDir, PhantomOptions options, int cases, boolean tissues,
                                   Consumer<PhantomInfo> progress) throws IOException {
        if (cases < 1) {
            throw new IllegalArgumentException("write at least one case, got " + cases);
        }
        PhantomTask task = options.task();
        Path images = Files.createDirectories(outDir.resolve("imagesTr"));
        Path labels = Files.createDirectories(outDir.resolve("labelsTr"));
        Path tissueDir = tissues ? Files.createDirectories(outDir.resolve(TISSUES_DIR)) : null;
        PhantomGenerator generator = new PhantomGenerator(options);
        if (tissueDir != null) {
            ObjectNode legend = JSON.createObjectNode();
            List<String> names = PhantomGenerator.tissueNames();
            for (int t = 0; t < names.size(); t++) {
                legend.put(Integer.toString(t), names.get(t));
            }
            writeAtomically(tissueDir.resolve(TISSUE_LEGEND), JSON.writeValueAsBytes(legend));
        }

        Map<Integer, ObjectNode> kept = writtenBefore(outDir, options);
        ArrayNode training = JSON.createArrayNode();
        ArrayNode infos = JSON.createArrayNode();
        for (int i = 0; i < cases; i++) {
            ObjectNode old = kept.get(i);
            PhantomInfo drawn;
            String file;
            if (old != null && (tissueDir == null
                    || Files.isRegularFile(tissueDir.resolve(old.path("name").asText() + ".nii.gz")))) {
                drawn = JSON.treeToValue(old.deepCopy().without(List.of("image", "label")), PhantomInfo.class);
                file = drawn.name() + ".nii.gz";
            } else {
                PhantomCase pc;
                if (tissueDir != null) {
                    PhantomGenerator.WithTissues wt = generator.generateWithTissues(i);
                    pc = wt.phantom();
                    NiftiWriter.write(wt.tissues(), tissueDir.resolve(pc.name() + ".nii.gz"));
                } else {
                    pc = generator.generate(i);
                }
                drawn = pc.info();
                file = pc.name() + ".nii.gz";
                NiftiWriter.write(pc.image(), images.resolve(file));
                NiftiWriter.write(pc.label(), labels.resolve(file));
            }
            ObjectNode entry = training.addObject();
            entry.put("image", "./imagesTr/" + file);
            entry.put("label", "./labelsTr/" + file);
            ObjectNode info = infos.addObject();
            info.put("image", "./imagesTr/" + file);
            info.put("label", "./labelsTr/" + file);
            info.setAll((ObjectNode) JSON.valueToTree(drawn));
            progress.accept(drawn);
        }

        ObjectNode phantoms = JSON.createObjectNode();
        phantoms.put("generator", "liverseg phantom (io.liverseg.imaging.phantom.PhantomGenerator)");
        phantoms.put("release", RELEASE);
        phantoms.put("note", "synthetic CT, no patient data; case i is reproducible from options and i");
        phantoms.set("options", JSON.valueToTree(options));
        phantoms.set("cases", infos);
        writeAtomically(outDir.resolve("phantoms.json"), JSON.writeValueAsBytes(phantoms));

        ObjectNode ds = JSON.createObjectNode();
        ds.put("name", task.datasetName());
        ds.put("description", "Synthetic abdominal CT phantoms labelled in the " + task.msdTask()
                + " convention, generated by liverseg (seed " + options.seed() + ")");
        ds.put("reference", "liverseg phantom generator; synthetic data, no patient data");
        ds.put("licence", "generated by liverseg; contains no patient data");
        ds.put("release", RELEASE);
        ds.put("tensorImageSize", "3D");
        ds.putObject("modality").put("0", "CT");
        ObjectNode lab = ds.putObject("labels");
        for (Map.Entry<String, String> e : new TreeMap<>(task.labelNames()).entrySet()) {
            lab.put(e.getKey(), e.getValue());
        }
        ds.put("numTraining", cases);
        ds.put("numTest", 0);
        ds.set("training", training);
        ds.putArray("test");
        writeAtomically(outDir.resolve(MsdDataset.DATASET_JSON), JSON.writeValueAsBytes(ds));
        return MsdDataset.open(outDir);
    }

    /**
     * The cases of a complete earlier run into {@code outDir} with the same options and release whose two files
     * are still there, by index; empty when there was none.
     */
    private static Map<Integer, ObjectNode> writtenBefore(Path outDir, PhantomOptions options) throws IOException {
        Path json = outDir.resolve("phantoms.json");
        Map<Integer, ObjectNode> kept = new TreeMap<>();
        if (!Files.isRegularFile(json) || !Files.isRegularFile(outDir.resolve(MsdDataset.DATASET_JSON))) {
            return kept;
        }
        JsonNode before;
        try {
            before = JSON.readTree(json.toFile());
        } catch (IOException e) {
            return kept; // not ours or damaged: regenerate everything
        }
        // compared as parsed JSON on both sides: a long seed read back is an int node
        JsonNode now = JSON.readTree(JSON.writeValueAsBytes(options));
        if (!RELEASE.equals(before.path("release").asText()) || !now.equals(before.get("options"))) {
            return kept;
        }
        for (JsonNode c : before.path("cases")) {
            String image = c.path("image").asText();
            String label = c.path("label").asText();
            if (c.isObject() && c.has("index") && !image.isEmpty() && !label.isEmpty()
                    && Files.isRegularFile(outDir.resolve(image)) && Files.isRegularFile(outDir.resolve(label))) {
                kept.put(c.get("index").asInt(), (ObjectNode) c);
            }
        }
        return kept;
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
