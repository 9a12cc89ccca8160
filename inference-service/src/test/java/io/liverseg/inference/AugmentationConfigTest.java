package io.liverseg.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liverseg.model.predict.TestTimeAugmentation;
import io.liverseg.proto.segmentation.v1.Augmentation;
import io.liverseg.proto.segmentation.v1.SegmentOptions;
import org.junit.jupiter.api.Test;

/** How {@code liverseg.inference.tta} and a Segment call's options name the test-time augmentation. */
class AugmentationConfigTest {
    private final TtaConverter converter = new TtaConverter();

    @Test
    void theConfigKeyTakesTheModesAndItsOldBooleans() {
        assertThat(converter.convert("none")).isEqualTo(TestTimeAugmentation.NONE);
        assertThat(converter.convert("Flip")).isEqualTo(TestTimeAugmentation.FLIP);
        assertThat(converter.convert(" shift ")).isEqualTo(TestTimeAugmentation.SHIFT);
        assertThat(converter.convert("true")).isEqualTo(TestTimeAugmentation.FLIP);
        assertThat(converter.convert("FALSE")).isEqualTo(TestTimeAugmentation.NONE);
        assertThatThrownBy(() -> converter.convert("mirror")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'mirror'").hasMessageContaining("none, flip or shift");
    }

    @Test
    void anUnspecifiedAugmentationFollowsTheOlderFlag() {
        assertThat(ApiMapping.augmentation(SegmentOptions.getDefaultInstance())).isEqualTo(TestTimeAugmentation.NONE);
        assertThat(ApiMapping.augmentation(SegmentOptions.newBuilder().setTta(true).build()))
                .isEqualTo(TestTimeAugmentation.FLIP);
        assertThat(ApiMapping.augmentation(SegmentOptions.newBuilder().setTta(true)
                .setAugmentation(Augmentation.AUGMENTATION_SHIFT).build())).isEqualTo(TestTimeAugmentation.SHIFT);
        assertThat(ApiMapping.augmentation(SegmentOptions.newBuilder()
                .setAugmentation(Augmentation.AUGMENTATION_NONE).build())).isEqualTo(TestTimeAugmentation.NONE);
    }

    @Test
    void everyModeMapsToItsProtoValueAndBack() {
        for (TestTimeAugmentation t : TestTimeAugmentation.values()) {
            Augmentation a = ApiMapping.augmentation(t);
            assertThat(a.name()).isEqualTo("AUGMENTATION_" + t.name());
            assertThat(ApiMapping.augmentation(SegmentOptions.newBuilder().setAugmentation(a).build())).isEqualTo(t);
        }
    }

    @Test
    void aValueThisServerDoesNotKnowIsRefused() {
        SegmentOptions future = SegmentOptions.newBuilder().setAugmentationValue(99).build();
        assertThatThrownBy(() -> ApiMapping.augmentation(future)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("augmentation 99");
    }
}
