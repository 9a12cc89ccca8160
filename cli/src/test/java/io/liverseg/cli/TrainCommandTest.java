package io.liverseg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liverseg.imaging.dataset.CaseSplit;
import io.liverseg.imaging.dataset.LabelledCase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainCommandTest {
    private static CaseSplit.Split split(int cases) {
        List<LabelledCase> all = new ArrayList<>();
        for (int i = 0; i < cases; i++) {
            String name = String.format("liver_%03d", i);
            all.add(new LabelledCase(name, Path.of(name + "-image.nii.gz"), Path.of(name + "-label.nii.gz")));
        }
        return CaseSplit.split(all);
    }

    @Test
    void maxValidationCasesKeepsTheFirstValidationCasesAndTheWholeTrainingSet() {
        CaseSplit.Split full = split(60);
        assertThat(full.validation().size()).as("precondition").isGreaterThan(3);
        CaseSplit.Split capped = TrainCommand.capValidation(full, 3);
        assertThat(capped.validation()).containsExactlyElementsOf(full.validation().subList(0, 3));
        assertThat(capped.training()).containsExactlyElementsOf(full.training());
    }

    @Test
    void zeroOrALargeLimitLeavesTheSplitAlone() {
        CaseSplit.Split full = split(60);
        assertThat(TrainCommand.capValidation(full, 0)).isEqualTo(full);
        assertThat(TrainCommand.capValidation(full, 1000)).isEqualTo(full);
        assertThatThrownBy(() -> TrainCommand.capValidation(full, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
