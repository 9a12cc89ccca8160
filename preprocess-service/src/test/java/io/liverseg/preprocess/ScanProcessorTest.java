package io.liverseg.preprocess;

import static org.assertj.core.api.Assertions.assertThat;

import io.liverseg.proto.events.v1.ScanReceived;
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
}
