package io.liverseg.imaging.phantom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class PhantomOptionsTest {

    @Test
    void defaultsDescribeVariedAbdominalScans() {
        PhantomOptions d = PhantomOptions.defaults();
        assertThat(d.task()).isEqualTo(PhantomTask.LIVER);
        assertThat(d.size()).isEqualTo(256);
        assertThat(d.minSliceThickness()).isEqualTo(1.0);
        assertThat(d.maxSliceThickness()).isEqualTo(5.0);
        assertThat(d.orientations()).containsExactly("RAS", "LPS");
        assertThat(d.storageTypes()).containsExactly(StorageType.values());
        assertThat(d.phases()).containsExactly(ContrastPhase.values());
        assertThat(d.minNoise()).isEqualTo(5.0);
        assertThat(d.maxNoise()).isEqualTo(20.0);
    }

    @Test
    void changingTheMatrixKeepsTheFieldOfView() {
        PhantomOptions big = PhantomOptions.defaults().withSize(512);
        assertThat(big.minSpacing()).isCloseTo(0.6, within(1e-12));
        assertThat(big.maxSpacing()).isCloseTo(1.0, within(1e-12));
        PhantomOptions d = PhantomOptions.defaults();
        assertThat(d.minSpacing() * d.size()).isCloseTo(big.minSpacing() * 512, within(1e-9));
        assertThat(big.withSpacing(0.7, 0.8).minSpacing()).isEqualTo(0.7);
    }

    @Test
    void invalidOptionsAreRejected() {
        PhantomOptions d = PhantomOptions.defaults();
        assertThatThrownBy(() -> d.withSize(8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withSlices(10, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withSpacing(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withSliceThickness(3, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withOrientations("RAX")).hasMessageContaining("RAX");
        assertThatThrownBy(() -> d.withOrientations("ARS")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withOrientations()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withNoise(10, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withTumours(1.5, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PhantomOptions(null, 256, 0, 1, 2, 1, 2, 1, 2, List.of("RAS"),
                List.of(StorageType.INT16), List.of(ContrastPhase.ARTERIAL), 1, 2, 0, 1))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void taskConventionsMatchTheDecathlon() {
        assertThat(PhantomTask.LIVER.labelNames()).containsEntry("1", "liver").containsEntry("2", "cancer");
        assertThat(PhantomTask.VESSEL.labelNames()).containsEntry("1", "Vessel").containsEntry("2", "Tumour");
        assertThat(PhantomTask.LIVER.msdTask()).isEqualTo("Task03_Liver");
        assertThat(PhantomTask.VESSEL.msdTask()).isEqualTo("Task08_HepaticVessel");
    }
}
