package io.liverseg.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liverseg.storage.ObjectKeys;
import org.junit.jupiter.api.Test;

class PartListingsTest {
    private static final String LIVER = ObjectKeys.partPrefix("0f".repeat(32), "liver", "7");
    private static final String VESSELS = ObjectKeys.partPrefix("0f".repeat(32), "vessels", "2");

    @Test
    void listsAfterTheLastBatchOnlyWhenTheBatchesComeInOrder() {
        PartListings listings = new PartListings();
        for (int i = 0; i < 9; i++) {
            assertThat(listings.mustList(LIVER, i, 10)).as("batch %d of 10", i).isFalse();
        }
        assertThat(listings.mustList(LIVER, 9, 10)).isTrue();
    }

    @Test
    void aPartStoredAfterTheLastBatchListsAgainUntilTheMaskIsForgotten() {
        PartListings listings = new PartListings();
        // batches 8 and 9 redelivered after a rebalance, 9 finished first: its listing missed part 8
        assertThat(listings.mustList(LIVER, 9, 10)).isTrue();
        assertThat(listings.mustList(LIVER, 8, 10)).isTrue();
        assertThat(listings.mustList(VESSELS, 8, 10)).as("another task's prefix").isFalse();
        listings.forget(LIVER);
        assertThat(listings.size()).isZero();
        assertThat(listings.mustList(LIVER, 8, 10)).isFalse();
    }

    @Test
    void aSingleBatchScanListsAtOnce() {
        assertThat(new PartListings().mustList(LIVER, 0, 1)).isTrue();
    }

    @Test
    void watchesAtMostItsCapacityDroppingTheEldest() {
        PartListings listings = new PartListings(2);
        listings.mustList("a/", 0, 1);
        listings.mustList("b/", 0, 1);
        listings.mustList("c/", 0, 1);
        assertThat(listings.size()).isEqualTo(2);
        assertThat(listings.mustList("a/", 0, 2)).isFalse();
        assertThat(listings.mustList("b/", 0, 2)).isTrue();
        assertThat(listings.mustList("c/", 0, 2)).isTrue();
        assertThatThrownBy(() -> new PartListings(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
