package io.liverseg.proto;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SegmentationTasksTest {
    @Test
    void anEmptyTaskFieldMeansTheLiverTask() {
        assertThat(SegmentationTasks.orDefault("")).isEqualTo("liver");
        assertThat(SegmentationTasks.orDefault(null)).isEqualTo("liver");
        assertThat(SegmentationTasks.orDefault("vessels")).isEqualTo("vessels");
    }
}
