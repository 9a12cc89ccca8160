package io.liverseg.preprocess;

import static org.assertj.core.api.Assertions.assertThat;

import io.liverseg.imaging.preprocess.HuWindow;
import io.liverseg.imaging.preprocess.Normalization;
import io.liverseg.imaging.preprocess.PreprocessingSpec;
import io.liverseg.preprocess.ScanProcessor.TaskModel;
import io.liverseg.proto.events.v1.ScanReceived;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScanProcessorTest {
    private static final String LABEL = "scans/ab/label.nii.gz";

    @Test
    void aLabelWithoutATaskIsTheLiverTasks() {
        ScanReceived scan = ScanReceived.newBuilder().setLabelKey(LABEL).build();
        assertThat(ScanProcessor.labelKeyFor(scan, "liver")).isEqualTo(LABEL);
        assertThat(ScanProcessor.labelKeyFor(scan, "vessels")).isEmpty();
    }

    @Test
    void aVesselLabelGoesOnlyWithTheVesselBatches() {
        ScanReceived scan = ScanReceived.newBuilder().setLabelKey(LABEL).setLabelTask("vessels").build();
        assertThat(ScanProcessor.labelKeyFor(scan, "vessels")).isEqualTo(LABEL);
        assertThat(ScanProcessor.labelKeyFor(scan, "liver")).isEmpty();
    }

    @Test
    void noLabelStaysNoLabel() {
        ScanReceived scan = ScanReceived.newBuilder().setLabelTask("liver").build();
        assertThat(ScanProcessor.labelKeyFor(scan, "liver")).isEmpty();
    }

    @Test
    void tasksThatPreprocessAlikeShareOnePassInTheOrderTheirSpecFirstAppears() {
        PreprocessingSpec abdomen = new PreprocessingSpec(new HuWindow(-100, 200), Normalization.UNIT, 256, 3);
        PreprocessingSpec wide = new PreprocessingSpec(new HuWindow(-200, 300), Normalization.UNIT, 256, 3);
        TaskModel liver = new TaskModel("liver", "7", abdomen);
        TaskModel other = new TaskModel("other", "1", wide);
        // an equal spec read from another manifest, not the same instance
        TaskModel vessels = new TaskModel("vessels", "2",
                new PreprocessingSpec(new HuWindow(-100, 200), Normalization.UNIT, 256, 3));

        assertThat(ScanProcessor.passes(List.of(liver, vessels))).containsExactly(List.of(liver, vessels));
        assertThat(ScanProcessor.passes(List.of(liver, other, vessels)))
                .containsExactly(List.of(liver, vessels), List.of(other));
        assertThat(ScanProcessor.passes(List.of(liver))).containsExactly(List.of(liver));
    }
}
