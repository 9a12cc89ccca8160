package io.liverseg.preprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BatchPlanTest {

    @Test
    void batchCountRoundsUp() {
        assertThat(BatchPlan.batchCount(1, 32)).isEqualTo(1);
        assertThat(BatchPlan.batchCount(32, 32)).isEqualTo(1);
        assertThat(BatchPlan.batchCount(33, 32)).isEqualTo(2);
        assertThat(BatchPlan.batchCount(40, 32)).isEqualTo(2);
        assertThat(BatchPlan.batchCount(300, 32)).isEqualTo(10);
        assertThatThrownBy(() -> BatchPlan.batchCount(0, 32)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BatchPlan.batchCount(10, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jsonHasTheConventionFieldsInSnakeCaseAndIsDeterministic() throws Exception {
        BatchPlan p = new BatchPlan("ab".repeat(32), "liver", "2", 2, 40, 32, 256, 1,
                "work/" + "ab".repeat(32) + "/liver/2/");
        byte[] json = p.toJson();
        JsonNode n = new ObjectMapper().readTree(json);
        assertThat(n.fieldNames()).toIterable().containsExactly("scan_id", "task", "model_version", "batch_count",
                "total_slices", "batch_size", "target_size", "channels", "batches_prefix");
        assertThat(n.get("batch_count").asInt()).isEqualTo(2);
        assertThat(n.get("model_version").asText()).isEqualTo("2");
        assertThat(new String(p.toJson(), StandardCharsets.UTF_8)).isEqualTo(new String(json, StandardCharsets.UTF_8));
        assertThat(BatchPlan.fromJson(json)).isEqualTo(p);
    }

    @Test
    void seedFolderNamesMapToTasks() {
        assertThat(io.liverseg.storage.ModelRegistry.taskForSeedFolder("liver")).isEqualTo("liver");
        assertThat(io.liverseg.storage.ModelRegistry.taskForSeedFolder("vessel")).isEqualTo("vessels");
    }
}
