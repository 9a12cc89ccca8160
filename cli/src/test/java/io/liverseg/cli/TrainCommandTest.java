package io.liverseg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liverseg.imaging.dataset.CaseSplit;
import io.liverseg.imaging.dataset.LabelledCase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {
    @TempDir
    Path dir;

    private static List<LabelledCase> cases(int n) {
        List<LabelledCase> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = String.format("liver_%03d", i);
            all.add(new LabelledCase(name, Path.of(name + "-image.nii.gz"), Path.of(name + "-label.nii.gz")));
        }
        return all;
    }

    private static CaseSplit.Split split(int n) {
        return CaseSplit.split(cases(n));
    }

    @Test
    void aCaseListSelectsAndOrdersTheCases() throws IOException {
        Path list = dir.resolve("cases.txt");
        Files.writeString(list, "# validation first\nliver_007\n\nliver_002  # a comment\n liver_005\n");
        List<String> names = TrainCommand.readCaseList(list);
        assertThat(names).containsExactly("liver_007", "liver_002", "liver_005");
        assertThat(TrainCommand.select(cases(10), names, list)).extracting(LabelledCase::name)
                .containsExactly("liver_007", "liver_002", "liver_005");
        assertThatThrownBy(() -> TrainCommand.select(cases(10), List.of("liver_001", "liver_042"), list))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cases.txt")
                .hasMessageContaining("'liver_042' is not in");
        assertThatThrownBy(() -> TrainCommand.select(cases(10), List.of("liver_001", "liver_001"), list))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("listed twice");
    }

    @Test
    void theSplitOfAListedSubsetIsTheSameCaseByCaseAsInTheWholeSet() {
        List<LabelledCase> all = cases(60);
        CaseSplit.Split whole = CaseSplit.split(all);
        List<LabelledCase> reversed = new ArrayList<>(all.subList(20, 60));
        java.util.Collections.reverse(reversed);
        CaseSplit.Split sub = CaseSplit.split(reversed);
        assertThat(sub.validation()).allMatch(whole.validation()::contains);
        assertThat(sub.training()).allMatch(whole.training()::contains);
        // and in the list's order, which is what --max-validation-cases keeps the first of
        assertThat(sub.validation()).isSortedAccordingTo((a, b) -> b.name().compareTo(a.name()));
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
