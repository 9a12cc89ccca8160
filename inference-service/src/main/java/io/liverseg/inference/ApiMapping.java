package io.liverseg.inference;

import com.fasterxml.jackson.databind.JsonNode;
import io.liverseg.model.predict.TestTimeAugmentation;
import io.liverseg.proto.events.v1.LabelVolume;
import io.liverseg.proto.segmentation.v1.Augmentation;
import io.liverseg.proto.segmentation.v1.Champion;
import io.liverseg.proto.segmentation.v1.Model;
import io.liverseg.proto.segmentation.v1.Scan;
import io.liverseg.proto.segmentation.v1.SegmentOptions;
import io.liverseg.proto.segmentation.v1.TaskReport;
import io.liverseg.proto.segmentation.v1.TaskStatus;
import io.liverseg.storage.ModelRegistry;
import io.liverseg.storage.status.ScanStatus;
import java.util.Map;

/** The gRPC API's messages made from the bucket's JSON files and the shared status derivation. */
final class ApiMapping {
    private ApiMapping() {
    }

    /**
     * The augmentation a Segment call asks for: {@code augmentation}, or when that is unspecified the older
     * {@code tta} flag (flip when true).
     *
     * @throws IllegalArgumentException a value this server does not know
     */
    static TestTimeAugmentation augmentation(SegmentOptions options) {
        return switch (options.getAugmentation()) {
            case AUGMENTATION_UNSPECIFIED -> options.getTta() ? TestTimeAugmentation.FLIP : TestTimeAugmentation.NONE;
            case AUGMENTATION_NONE -> TestTimeAugmentation.NONE;
            case AUGMENTATION_FLIP -> TestTimeAugmentation.FLIP;
            case AUGMENTATION_SHIFT -> TestTimeAugmentation.SHIFT;
            case UNRECOGNIZED -> throw new IllegalArgumentException("augmentation " + options.getAugmentationValue()
                    + " is not one this server knows (NONE, FLIP, SHIFT)");
        };
    }

    static Augmentation augmentation(TestTimeAugmentation tta) {
        return switch (tta) {
            case NONE -> Augmentation.AUGMENTATION_NONE;
            case FLIP -> Augmentation.AUGMENTATION_FLIP;
            case SHIFT -> Augmentation.AUGMENTATION_SHIFT;
        };
    }

    static Scan scan(ScanStatus s, Map<String, JsonNode> reports) {
        Scan.Builder b = Scan.newBuilder().setScanId(s.id()).setStatus(s.status());
        if (s.reason() != null) {
            b.setReason(s.reason());
        }
        if (s.failedStage() != null) {
            b.setFailedStage(s.failedStage());
        }
        if (s.progress() != null) {
            b.setProgress(s.progress());
        }
        if (s.batchesDone() != null) {
            b.setBatchesDone(s.batchesDone());
        }
        if (s.batchCount() != null) {
            b.setBatchCount(s.batchCount());
        }
        if (s.fileName() != null) {
            b.setFileName(s.fileName());
        }
        if (s.receivedAt() != null) {
            b.setReceivedAt(s.receivedAt());
        }
        if (s.source() != null) {
            b.setSource(s.source());
        }
        if (s.hasLabel() != null) {
            b.setHasLabel(s.hasLabel());
        }
        s.tasks().forEach((task, t) -> {
            TaskStatus.Builder tb = TaskStatus.newBuilder().setStatus(t.status());
            if (t.batchesDone() != null) {
                tb.setBatchesDone(t.batchesDone());
            }
            if (t.batchCount() != null) {
                tb.setBatchCount(t.batchCount());
            }
            if (t.modelVersion() != null) {
                tb.setModelVersion(t.modelVersion());
            }
            b.putTasks(task, tb.build());
        });
        reports.forEach((task, r) -> b.putReports(task, report(r)));
        return b.build();
    }

    /** masks/{scan}/{task}/report.json → TaskReport. */
    static TaskReport report(JsonNode r) {
        TaskReport.Builder b = TaskReport.newBuilder().setModelVersion(r.path("model_version").asText(""))
                .setMaskKey(r.path("mask_key").asText("")).setCreatedAt(r.path("created_at").asText(""));
        r.path("class_names").forEach(n -> b.addClassNames(n.asText()));
        for (JsonNode v : r.path("volumes")) {
            b.addVolumes(LabelVolume.newBuilder().setLabel(v.path("label").asInt()).setName(v.path("name").asText(""))
                    .setVoxels(v.path("voxels").asLong()).setVolumeMl(v.path("volume_ml").asDouble()));
        }
        r.path("dice").properties().forEach(e -> b.putDice(e.getKey(), e.getValue().asDouble()));
        r.path("timings_ms").properties().forEach(e -> b.putTimingsMs(e.getKey(), e.getValue().asLong()));
        return b.build();
    }

    static Champion champion(ModelRegistry.Champion c) {
        Champion.Builder b = Champion.newBuilder().setVersion(c.version());
        if (c.previousVersion() != null) {
            b.setPreviousVersion(c.previousVersion());
        }
        if (c.reason() != null) {
            b.setReason(c.reason());
        }
        if (c.promotedAt() != null) {
            b.setPromotedAt(c.promotedAt());
        }
        return b.build();
    }

    /** model.json → Model; every number under "metrics" flattened with dots. */
    static Model model(String task, String version, boolean champion, JsonNode m) {
        Model.Builder b = Model.newBuilder().setTask(task).setVersion(version).setChampion(champion)
                .setName(m.path("name").asText("")).setParentVersion(m.path("parent_version").asText(""))
                .setCreatedAt(m.path("created_at").asText(""))
                .setTargetSize(m.path("preprocessing").path("target_size").asInt())
                .setChannels(m.path("preprocessing").path("channels").asInt())
                .setManifestJson(m.toPrettyString());
        if (m.path("parent_version").isNull()) {
            b.setParentVersion("");
        }
        m.path("class_names").forEach(n -> b.addClassNames(n.asText()));
        flatten("", m.path("metrics"), b);
        return b.build();
    }

    private static void flatten(String prefix, JsonNode n, Model.Builder b) {
        if (n.isNumber()) {
            b.putMetrics(prefix, n.asDouble());
        } else if (n.isObject()) {
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), b);
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                flatten(prefix + "." + i, n.get(i), b);
            }
        }
    }
}
