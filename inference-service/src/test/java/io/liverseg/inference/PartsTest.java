package io.liverseg.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.liverseg.storage.ObjectKeys;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PartsTest {
    private static final String SCAN = "0f".repeat(32);

    @Test
    void completeOnlyWhenEveryIndexHasItsPart() {
        List<String> keys = new ArrayList<>();
        keys.add(ObjectKeys.batchPlan(SCAN, "liver", "2"));
        keys.add(ObjectKeys.batch(SCAN, "liver", "2", 0));
        keys.add(ObjectKeys.part(SCAN, "liver", "2", 0));
        keys.add(ObjectKeys.part(SCAN, "liver", "2", 2));
        assertThat(Parts.complete(keys, SCAN, "liver", "2", 3)).isFalse();
        assertThat(Parts.present(keys, SCAN, "liver", "2", 3).toString()).isEqualTo("{0, 2}");
        keys.add(ObjectKeys.part(SCAN, "liver", "2", 1));
        assertThat(Parts.complete(keys, SCAN, "liver", "2", 3)).isTrue();
    }

    @Test
    void partsOfAnotherVersionOrBeyondTheCountDoNotCount() {
        List<String> keys = List.of(ObjectKeys.part(SCAN, "liver", "1", 0), ObjectKeys.part(SCAN, "liver", "2", 1),
                ObjectKeys.part(SCAN, "liver", "2", 5), ObjectKeys.part(SCAN, "vessels", "2", 0));
        assertThat(Parts.complete(keys, SCAN, "liver", "2", 2)).isFalse();
        assertThat(Parts.present(keys, SCAN, "liver", "2", 2).cardinality()).isEqualTo(1);
    }
}
