package io.liverseg.model.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class UNetConfigTest {

    @Test
    void designModelsDoubleTheirFeaturesUpToTheBottleneck() {
        UNetConfig liver = UNetConfig.liver();
        assertThat(liver.features(0)).isEqualTo(8);
        assertThat(liver.features(4)).isEqualTo(128);
        assertThat(UNetConfig.vessel().features(4)).isEqualTo(256);
        assertThat(liver.attentionChannels(0)).isEqualTo(4);
        assertThat(liver.sizeDivisor()).isEqualTo(16);
        assertThatThrownBy(() -> liver.features(5)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void rejectsImpossibleValues() {
        assertThatThrownBy(() -> new UNetConfig(0, 3, 8, 5, AttentionType.DOT_PRODUCT))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new UNetConfig(1, 0, 8, 5, AttentionType.DOT_PRODUCT))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new UNetConfig(1, 3, 8, 9, AttentionType.DOT_PRODUCT))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new UNetConfig(1, 3, 8, 5, null)).isInstanceOf(NullPointerException.class);
    }
}
