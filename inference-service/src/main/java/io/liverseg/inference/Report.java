package io.liverseg.inference;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liverseg.imaging.DataType;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import io.liverseg.imaging.measure.DiceCounts;
import io.liverseg.proto.events.v1.LabelVolume;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * masks/{scan}/{task}/report.json and the numbers MaskReady and SegmentationMetrics carry: volumes per class,
 * Dice per foreground class when a label exists, timings per stage.
 *
 * @param augmentation the test-time augmentation the mask was made with ({@code none}, {@code flip}, {@code shift})
 * @param dice    per foreground class name, or null when the scan has no label
 * @param timings preprocess, inference, assemble, upload_to_mask (ms), in that order
 */
record Report(String scanId, String task, String modelVersion, String augmentation, List<String> classNames,
              List<LabelVolume> volumes, Map<String, Double> dice, Map<String, Long> timings, String maskKey,
              Instant createdAt) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Voxels and mL of every class of {@code classNames} (absent ones with 0), label order. */
    static List<LabelVolume> volumes(Volume labels, List<String> classNames) {
        long[] counts = counts(labels, classNames.size(), "mask");
        double voxelMl = labels.affine().voxelVolumeMm3() / 1000.0;
        List<LabelVolume> out = new ArrayList<>();
        for (int c = 0; c < counts.length; c++) {
            out.add(LabelVolume.newBuilder().setLabel(c).setName(classNames.get(c)).setVoxels(counts[c])
                    .setVolumeMl(counts[c] * voxelMl).build());
        }
        return out;
    }

    /** Dice per foreground class (label 1 ..), by name; 1.0 for a class absent from both. */
    static Map<String, Double> dice(DiceCounts counts, List<String> classNames) {
        Map<String, Double> d = new LinkedHashMap<>();
        for (int c = 1; c < classNames.size(); c++) {
            d.put(classNames.get(c), counts.dice(c));
        }
        return d;
    }

    static Map<String, Long> timings(long preprocessMs, long inferenceMs, long assembleMs, long uploadToMaskMs) {
        Map<String, Long> t = new LinkedHashMap<>();
        t.put("preprocess", preprocessMs);
        t.put("inference", inferenceMs);
        t.put("assemble", assembleMs);
        t.put("upload_to_mask", uploadToMaskMs);
        return t;
    }

    private static long[] counts(Volume labels, int classes, String what) {
        long[] counts = new long[classes];
        Voxels v = labels.voxels();
        if (v.type() == DataType.UINT8) {
            // a mask is mostly background: counting only the other voxels avoids a chain of increments of one
            // counter (≈ 150 ms → ≈ 30 ms for 512×512×300, on the last mask's critical path)
            byte[] a = v.byteArray();
            long[] all = new long[256];
            long foreground = 0;
            for (byte x : a) {
                if (x != 0) {
                    all[x & 0xFF]++;
                    foreground++;
                }
            }
            all[0] = a.length - foreground;
            boolean beyond = false;
            for (int l = classes; l < all.length; l++) {
                beyond |= all[l] > 0;
            }
            if (!beyond) {
                System.arraycopy(all, 0, counts, 0, Math.min(classes, all.length));
                return counts;
            }
            // fall through: the loop below names the first voxel whose label is not a class
        }
        for (int p = 0; p < v.size(); p++) {
            long l = v.getLong(p);
            if (l < 0 || l >= classes) {
                throw new IllegalArgumentException(what + " label " + l + " at voxel " + p + " is not one of the "
                        + classes + " classes");
            }
            counts[(int) l]++;
        }
        return counts;
    }

    byte[] toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("scan_id", scanId);
        n.put("task", task);
        n.put("model_version", modelVersion);
        n.put("augmentation", augmentation);
        ArrayNode names = n.putArray("class_names");
        classNames.forEach(names::add);
        ArrayNode vols = n.putArray("volumes");
        for (LabelVolume v : volumes) {
            ObjectNode o = vols.addObject();
            o.put("label", v.getLabel());
            o.put("name", v.getName());
            o.put("voxels", v.getVoxels());
            o.put("volume_ml", v.getVolumeMl());
        }
        if (dice != null) {
            ObjectNode d = n.putObject("dice");
            dice.forEach(d::put);
        }
        ObjectNode t = n.putObject("timings_ms");
        timings.forEach(t::put);
        n.put("mask_key", maskKey);
        n.put("created_at", createdAt.toString());
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
