package io.liverseg.imaging.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CaseSplitTest {

    private static List<LabelledCase> cases(int n) {
        return IntStream.range(0, n).mapToObj(i -> new LabelledCase(String.format("liver_%03d", i),
                Path.of("i" + i), Path.of("l" + i))).toList();
    }

    @Test
    void assignmentDependsOnlyOnTheCaseName() {
        CaseSplit.Split small = CaseSplit.split(cases(50));
        CaseSplit.Split large = CaseSplit.split(cases(200));
        for (LabelledCase c : small.validation()) {
            assertThat(large.validation()).contains(c);
        }
        for (LabelledCase c : small.training()) {
            assertThat(large.training()).contains(c);
        }
    }

    @Test
    void aboutOneFifthValidates() {
        CaseSplit.Split s = CaseSplit.split(cases(1000));
        assertThat(s.validation().size()).isBetween(150, 250);
        assertThat(s.training().size() + s.validation().size()).isEqualTo(1000);
    }

    @Test
    void tinySetsKeepBothHalves() {
        for (int n = 2; n < 12; n++) {
            CaseSplit.Split s = CaseSplit.split(cases(n));
            assertThat(s.validation()).as("n=%d", n).isNotEmpty();
            assertThat(s.training()).as("n=%d", n).isNotEmpty();
        }
    }

    @Test
    void bucketIsTheHashOfTheName() {
        List<Integer> buckets = new ArrayList<>();
        for (LabelledCase c : cases(20)) {
            buckets.add(CaseSplit.bucket(c.name()));
        }
        assertThat(buckets).allMatch(b -> b >= 0 && b < 100);
        assertThat(new java.util.HashSet<>(buckets)).as("20 names spread over buckets").hasSizeGreaterThan(10);
        assertThat(CaseSplit.bucket("liver_000")).isEqualTo(CaseSplit.bucket("liver_000"));
    }
}
