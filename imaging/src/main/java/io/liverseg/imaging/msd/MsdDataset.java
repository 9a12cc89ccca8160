package io.liverseg.imaging.msd;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A Medical Segmentation Decathlon task folder (e.g. Task03_Liver): its {@code dataset.json} read and
 * checked, with every referenced file resolved against the folder and required to exist.
 *
 * <p>Real MSD archives were packed on macOS and carry AppleDouble {@code ._name} files next to the real
 * ones; they are never referenced by dataset.json and {@link #niftiFiles} skips them.
 *
 * @param directory   the task folder
 * @param name        dataset.json {@code name} (the folder name when absent)
 * @param description dataset.json {@code description}, or "" when absent
 * @param modality    channel index to modality, e.g. {"0": "CT"}
 * @param labels      label value to name, e.g. {0: background, 1: liver, 2: cancer}
 * @param task        the label convention recognised from the label names
 * @param training    training cases in dataset.json order
 * @param test        test images in dataset.json order
 */
public record MsdDataset(Path directory, String name, String description, Map<String, String> modality,
        SortedMap<Integer, String> labels, MsdTask task, List<MsdCase> training, List<Path> test) {

    /** The file every task folder has. */
    public static final String DATASET_JSON = "dataset.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    public MsdDataset {
        modality = Collections.unmodifiableMap(new LinkedHashMap<>(modality));
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
        training = List.copyOf(training);
        test = List.copyOf(test);
    }

    /**
     * Reads {@code dir/dataset.json}.
     *
     * @throws MsdException when the folder or dataset.json is missing, dataset.json is not valid JSON or
     *                      lacks a required field ({@code labels}, {@code training}), a field has the wrong
     *                      type, {@code numTraining}/{@code numTest} disagree with the lists, a path leaves the
     *                      folder, or a referenced file does not exist
     */
    public static MsdDataset open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new MsdException(dir, null, "not a directory");
        }
        Path json = dir.resolve(DATASET_JSON);
        if (!Files.isRegularFile(json)) {
            throw new MsdException(json, null, "missing: an MSD task folder has a dataset.json");
        }
        JsonNode root;
        try {
            root = JSON.readTree(json.toFile());
        } catch (JsonProcessingException e) {
            throw new MsdException(json, null, "not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()), e);
        }
        if (root == null || !root.isObject()) {
            throw new MsdException(json, null, "not a JSON object");
        }

        String name = optionalText(json, root, "name");
        String description = optionalText(json, root, "description");
        Map<String, String> modality = new LinkedHashMap<>();
        JsonNode mod = root.get("modality");
        if (mod != null && !mod.isNull()) {
            if (!mod.isObject()) {
                throw new MsdException(json, "modality", "must be an object like {\"0\": \"CT\"}");
            }
            for (Map.Entry<String, JsonNode> e : mod.properties()) {
                if (!e.getValue().isTextual()) {
                    throw new MsdException(json, "modality." + e.getKey(), "must be a string");
                }
                modality.put(e.getKey(), e.getValue().asText());
            }
        }

        SortedMap<Integer, String> labels = labels(json, root);

        JsonNode tr = root.get("training");
        if (tr == null || tr.isNull()) {
            throw new MsdException(json, "training", "missing");
        }
        if (!tr.isArray()) {
            throw new MsdException(json, "training", "must be an array of {\"image\", \"label\"} objects");
        }
        List<MsdCase> training = new ArrayList<>();
        for (int i = 0; i < tr.size(); i++) {
            JsonNode c = tr.get(i);
            String field = "training[" + i + "]";
            if (!c.isObject()) {
                throw new MsdException(json, field, "must be an object with \"image\" and \"label\"");
            }
            Path image = existing(dir, json, field + ".image", c.get("image"));
            Path label = existing(dir, json, field + ".label", c.get("label"));
            training.add(new MsdCase(caseId(image), image, label));
        }
        count(json, root, "numTraining", training.size());

        List<Path> test = new ArrayList<>();
        JsonNode ts = root.get("test");
        if (ts != null && !ts.isNull()) {
            if (!ts.isArray()) {
                throw new MsdException(json, "test", "must be an array of image paths");
            }
            for (int i = 0; i < ts.size(); i++) {
                // MSD lists test images as plain strings; accept {"image": ...} objects as some converters write.
                JsonNode t = ts.get(i);
                JsonNode path = t.isObject() ? t.get("image") : t;
                test.add(existing(dir, json, "test[" + i + "]", path));
            }
        }
        count(json, root, "numTest", test.size());

        String fallback = dir.toAbsolutePath().normalize().getFileName() == null ? ""
                : dir.toAbsolutePath().normalize().getFileName().toString();
        return new MsdDataset(dir, name == null ? fallback : name, description == null ? "" : description,
                modality, labels, MsdTask.of(labels), training, test);
    }

    /** The name of label value {@code v}, e.g. "liver". */
    public String labelName(int v) {
        String n = labels.get(v);
        if (n == null) {
            throw new IllegalArgumentException("no label " + v + " in " + name + ": " + labels);
        }
        return n;
    }

    /**
     * The NIfTI files ({@code .nii}, {@code .nii.gz}) directly in a folder, sorted by name, without macOS
     * AppleDouble {@code ._*} files and other hidden files.
     */
    public static List<Path> niftiFiles(Path folder) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                String lower = n.toLowerCase(Locale.ROOT);
                if (!isJunk(n) && Files.isRegularFile(p) && (lower.endsWith(".nii") || lower.endsWith(".nii.gz"))) {
                    out.add(p);
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** True for macOS AppleDouble ({@code ._x}) and other dot files, which real MSD archives contain. */
    public static boolean isJunk(String fileName) {
        return fileName.startsWith(".");
    }

    private static SortedMap<Integer, String> labels(Path json, JsonNode root) throws MsdException {
        JsonNode lab = root.get("labels");
        if (lab == null || lab.isNull()) {
            throw new MsdException(json, "labels", "missing");
        }
        if (!lab.isObject()) {
            throw new MsdException(json, "labels", "must be an object like {\"0\": \"background\", \"1\": \"liver\"}");
        }
        SortedMap<Integer, String> labels = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : lab.properties()) {
            int value;
            try {
                value = Integer.parseInt(e.getKey().trim());
            } catch (NumberFormatException ex) {
                throw new MsdException(json, "labels." + e.getKey(), "label keys must be integers");
            }
            if (value < 0 || value > 255) {
                throw new MsdException(json, "labels." + e.getKey(), "label values must be 0..255");
            }
            if (!e.getValue().isTextual()) {
                throw new MsdException(json, "labels." + e.getKey(), "must be a string");
            }
            labels.put(value, e.getValue().asText());
        }
        if (!labels.containsKey(0)) {
            throw new MsdException(json, "labels", "has no label 0 (background)");
        }
        return labels;
    }

    private static String optionalText(Path json, JsonNode root, String field) throws MsdException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new MsdException(json, field, "must be a string");
        }
        return n.asText();
    }

    private static void count(Path json, JsonNode root, String field, int actual) throws MsdException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw new MsdException(json, field, "must be an integer");
        }
        if (n.asInt() != actual) {
            throw new MsdException(json, field, "says " + n.asInt() + " but the list has " + actual);
        }
    }

    private static Path existing(Path dir, Path json, String field, JsonNode node) throws MsdException {
        if (node == null || node.isNull()) {
            throw new MsdException(json, field, "missing");
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            throw new MsdException(json, field, "must be a relative path like \"./imagesTr/liver_0.nii.gz\"");
        }
        String s = node.asText();
        Path rel;
        try {
            rel = dir.getFileSystem().getPath(s);
        } catch (RuntimeException e) {
            throw new MsdException(json, field, "not a path: " + s);
        }
        Path base = dir.toAbsolutePath().normalize();
        Path p = base.resolve(rel).normalize();
        if (rel.isAbsolute() || !p.startsWith(base)) {
            throw new MsdException(json, field, "path " + s + " is outside the dataset folder");
        }
        if (!Files.isRegularFile(p)) {
            throw new MsdException(p, field, "referenced file does not exist");
        }
        return p;
    }

    private static String caseId(Path p) {
        String n = p.getFileName().toString();
        String lower = n.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".nii.gz")) {
            return n.substring(0, n.length() - 7);
        }
        if (lower.endsWith(".nii")) {
            return n.substring(0, n.length() - 4);
        }
        return n;
    }
}
