package io.liverseg.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liverseg.imaging.Affine;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import io.liverseg.imaging.measure.DiceCounts;
import io.liverseg.proto.events.v1.LabelVolume;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {
    private static final List<String> CLASSES = List.of("background", "liver", "tumour");

    /** 4×2×1 voxels of 2×2×2.5 mm (10 mm³ each). */
    private static Volume labels(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) values[i];
        }
        return new Volume(4, 2, 1, Voxels.ofUnsignedBytes(b), Affine.scaling(2, 2, 2.5));
    }

    @Test
    void volumesListEveryClassWithVoxelsAndMillilitres() {
        List<LabelVolume> v = Report.volumes(labels(0, 1, 1, 1, 0, 0, 0, 0), CLASSES);
        assertThat(v).extracting(LabelVolume::getName).containsExactly("background", "liver", "tumour");
        assertThat(v).extracting(LabelVolume::getVoxels).containsExactly(5L, 3L, 0L);
        assertThat(v.get(1).getVolumeMl()).isEqualTo(0.03, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(v.get(2).getVolumeMl()).isZero();
        assertThatThrownBy(() -> Report.volumes(labels(0, 3, 0, 0, 0, 0, 0, 0), CLASSES))
                .hasMessageContaining("label 3");
    }

    @Test
    void uint8MasksCountAsEveryOtherTypeAndALabelBeyondTheClassesIsNamedWithItsVoxel() {
        int[] values = {2, 0, 1, 2, 0, 0, 1, 2};
        short[] s = new short[values.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = (short) values[i];
        }
        Volume shorts = new Volume(4, 2, 1, Voxels.ofShorts(s), Affine.scaling(2, 2, 2.5));
        assertThat(Report.volumes(labels(values), CLASSES)).extracting(LabelVolume::getVoxels)
                .containsExactly(3L, 2L, 3L)
                .isEqualTo(Report.volumes(shorts, CLASSES).stream().map(LabelVolume::getVoxels).toList());
        // 255 as uint8: beyond the classes, named at its first voxel
        assertThatThrownBy(() -> Report.volumes(labels(0, 1, 0, 0, 0, 255, 0, 255), CLASSES))
                .hasMessageContaining("label 255 at voxel 5");
    }

    @Test
    void diceIsPerForegroundClassByName() {
        Volume pred = labels(0, 1, 1, 0, 2, 0, 0, 0);
        Volume ref = labels(0, 1, 0, 0, 0, 0, 0, 0);
        Map<String, Double> d = Report.dice(DiceCounts.of(pred, ref, 3), CLASSES);
        assertThat(d.keySet()).containsExactly("liver", "tumour");
        assertThat(d.get("liver")).isEqualTo(2.0 / 3.0);
        assertThat(d.get("tumour")).isZero();
    }

    @Test
    void jsonHasTheConventionFieldsAndDiceOnlyWithALabel() throws Exception {
        Volume mask = labels(0, 1, 1, 1, 0, 0, 2, 0);
        Report withLabel = new Report("ab".repeat(32), "liver", "2", "shift", CLASSES, Report.volumes(mask, CLASSES),
                Map.of("liver", 0.9, "tumour", 1.0), Report.timings(10, 20, 30, 70), "masks/x/liver/mask.nii.gz",
                Instant.parse("2026-01-01T00:00:00Z"));
        JsonNode n = new ObjectMapper().readTree(withLabel.toJson());
        assertThat(n.fieldNames()).toIterable().containsExactly("scan_id", "task", "model_version", "augmentation",
                "class_names",
                "volumes", "dice", "timings_ms", "mask_key", "created_at");
        assertThat(n.get("volumes").get(1).fieldNames()).toIterable()
                .containsExactly("label", "name", "voxels", "volume_ml");
        assertThat(n.get("volumes").get(1).get("voxels").asLong()).isEqualTo(3);
        assertThat(n.get("augmentation").asText()).isEqualTo("shift");
        assertThat(n.get("dice").get("liver").asDouble()).isEqualTo(0.9);
        assertThat(n.get("timings_ms").fieldNames()).toIterable()
                .containsExactly("preprocess", "inference", "assemble", "upload_to_mask");
        assertThat(n.get("timings_ms").get("upload_to_mask").asLong()).isEqualTo(70);
        assertThat(n.get("created_at").asText()).isEqualTo("2026-01-01T00:00:00Z");

        Report noLabel = new Report("ab".repeat(32), "liver", "2", "none", CLASSES, Report.volumes(mask, CLASSES), null,
                Report.timings(1, 2, 3, 4), "k", Instant.now());
        assertThat(new ObjectMapper().readTree(noLabel.toJson()).has("dice")).isFalse();
    }
}
