package dev.sift.engine.kv;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The error-proportional allocator of SRH's layer budgets, on hand-built error distributions. */
class LayerBudgetsTest {

    @Test
    void budgetsFollowTheErrorsAboveTheMinimum() {
        // Total 4 × 100 = 400; each layer gets 32, the 272 left go 10% / 20% / 30% / 40%.
        assertThat(LayerBudgets.proportional(new double[]{0.1, 0.2, 0.3, 0.4}, 100, 32, 300))
                .containsExactly(32 + 27, 32 + 54, 32 + 82, 32 + 109);
    }

    @Test
    void aLayerAboveTheMaximumIsCappedAndItsExcessSharedByTheOthers() {
        // Uncapped, layer 0 would get 32 + 0.9 × 272 = 276.8; held at 150, the other 400 - 150 - 3 × 32 = 154
        // go to layers 1..3 in proportion 1 : 1 : 2 (70.5, 70.5, 109; the tied half goes to the lower layer).
        assertThat(LayerBudgets.proportional(new double[]{0.9, 0.025, 0.025, 0.05}, 100, 32, 150))
                .containsExactly(150, 71, 70, 109);
        // Layer 1 fits at first (113.6), but layer 0's excess pushes it over (162.5): both end at the maximum.
        assertThat(LayerBudgets.proportional(new double[]{0.6, 0.3, 0.05, 0.05}, 100, 32, 130))
                .containsExactly(130, 130, 70, 70);
    }

    @Test
    void aLayerWithoutErrorKeepsTheMinimumAndZeroErrorsShareEvenly() {
        assertThat(LayerBudgets.proportional(new double[]{0, 1, 0}, 64, 32, 192)).containsExactly(32, 128, 32);
        assertThat(LayerBudgets.proportional(new double[]{0, 0, 0}, 64, 32, 192)).containsExactly(64, 64, 64);
    }

    @Test
    void totalsAreExactBoundsHoldAndLargerErrorsNeverGetLess() {
        Random random = new Random(7);
        for (int trial = 0; trial < 500; trial++) {
            int layers = 1 + random.nextInt(40);
            int budget = 32 + random.nextInt(2000);
            int min = 32 + random.nextInt(budget - 31);
            int max = budget + random.nextInt(2 * budget + 1);
            double[] errors = random.doubles(layers, 0, 1).toArray();
            int[] budgets = LayerBudgets.proportional(errors, budget, min, max);
            String inputs = Arrays.toString(errors) + " " + budget + " " + min + " " + max;
            assertThat(Arrays.stream(budgets).asLongStream().sum()).as(inputs).isEqualTo((long) layers * budget);
            for (int l = 0; l < layers; l++) {
                assertThat(budgets[l]).as(inputs).isBetween(min, max);
                for (int m = 0; m < layers; m++) {
                    if (errors[l] > errors[m]) {
                        assertThat(budgets[l]).as(inputs).isGreaterThanOrEqualTo(budgets[m]);
                    }
                }
            }
        }
    }

    @Test
    void aBudgetOutsideTheBoundsIsRefused() {
        assertThatThrownBy(() -> LayerBudgets.proportional(new double[]{1, 1}, 20, 32, 96))
                .hasMessage("budget 20 must lie between the layer minimum 32 and maximum 96");
    }

    @Test
    void roundingKeepsTheSumAndGivesRemaindersToTheLargestFractions() {
        assertThat(LayerBudgets.roundKeepingSum(new double[]{1.5, 2.7, 0.8}, 5)).containsExactly(1, 3, 1);
        assertThat(LayerBudgets.roundKeepingSum(new double[]{1.5, 1.5}, 3)).containsExactly(2, 1);
    }
}
