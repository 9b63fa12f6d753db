package dev.sift.engine.sampling;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

/** Sampling on hand-built distributions. */
class SamplerTest {

    private static final int[] NO_HISTORY = new int[0];
    /** Probabilities 0.5, 0.25, 0.125, 0.0625, 0.0625 (logits are their natural logarithms). */
    private static final float[] LOGITS = logits(0.5, 0.25, 0.125, 0.0625, 0.0625);
    private static final SamplingOptions PLAIN = new SamplingOptions(1f, 0, 1f, 0f, 1f, 0f, 0f, 64, 1234L);

    private static float[] logits(double... probabilities) {
        float[] out = new float[probabilities.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) Math.log(probabilities[i]);
        }
        return out;
    }

    private static Map<Integer, Integer> draw(SamplingOptions options, float[] logits, int times) {
        Sampler sampler = new Sampler(options);
        Map<Integer, Integer> counts = new HashMap<>();
        for (int i = 0; i < times; i++) {
            counts.merge(sampler.sample(logits, NO_HISTORY, 0), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void greedyPicksTheLargestLogitAndTheLowestIdOnTies() {
        Sampler sampler = new Sampler(SamplingOptions.GREEDY);
        assertThat(sampler.sample(new float[]{0.1f, 3f, -2f, 3f}, NO_HISTORY, 0)).isEqualTo(1);
    }

    @Test
    void plainSamplingFollowsTheDistribution() {
        Map<Integer, Integer> counts = draw(PLAIN, LOGITS, 20_000);
        assertThat(counts.get(0) / 20_000.0).isCloseTo(0.5, offset(0.02));
        assertThat(counts.get(1) / 20_000.0).isCloseTo(0.25, offset(0.02));
        assertThat(counts.get(4) / 20_000.0).isCloseTo(0.0625, offset(0.01));
    }

    @Test
    void topKKeepsOnlyTheKMostLikely() {
        Map<Integer, Integer> counts = draw(PLAIN.withTopK(2), LOGITS, 5_000);
        assertThat(counts.keySet()).containsExactlyInAnyOrder(0, 1);
        // Renormalised over the two kept tokens: 2/3 and 1/3.
        assertThat(counts.get(0) / 5_000.0).isCloseTo(2 / 3.0, offset(0.03));
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // 0.5 + 0.25 = 0.75 >= 0.7, so only tokens 0 and 1 remain.
        assertThat(draw(PLAIN.withTopP(0.7f), LOGITS, 5_000).keySet()).containsExactlyInAnyOrder(0, 1);
        // 0.5 + 0.25 < 0.8, so token 2 joins.
        assertThat(draw(PLAIN.withTopP(0.8f), LOGITS, 5_000).keySet()).containsExactlyInAnyOrder(0, 1, 2);
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheBest() {
        // Threshold 0.3 * 0.5 = 0.15: tokens 0 (0.5) and 1 (0.25) stay.
        assertThat(draw(PLAIN.withMinP(0.3f), LOGITS, 5_000).keySet()).containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void lowTemperatureSharpensHighTemperatureFlattens() {
        Map<Integer, Integer> cold = draw(PLAIN.withTemperature(0.25f), LOGITS, 5_000);
        // p^4 normalised: 0.5^4 / (0.5^4 + 0.25^4 + 0.125^4 + 2 * 0.0625^4) ≈ 0.9409.
        assertThat(cold.get(0) / 5_000.0).isCloseTo(0.9409, offset(0.015));
        Map<Integer, Integer> hot = draw(PLAIN.withTemperature(100f), LOGITS, 20_000);
        assertThat(hot.get(4) / 20_000.0).isCloseTo(0.2, offset(0.02));
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        Sampler sampler = new Sampler(SamplingOptions.GREEDY.withRepetitionPenalty(2f));
        // Token 0: 3 -> 1.5, below token 1's 2. Token 2: -1 -> -2, and it never wins anyway.
        assertThat(sampler.sample(new float[]{3f, 2f, -1f}, new int[]{0, 2}, 2)).isEqualTo(1);
        // Only the last penaltyLastN tokens count.
        Sampler recentOnly = new Sampler(SamplingOptions.GREEDY.withRepetitionPenalty(2f).withPenaltyLastN(1));
        assertThat(recentOnly.sample(new float[]{3f, 2f, -1f}, new int[]{0, 2}, 2)).isEqualTo(0);
    }

    @Test
    void presenceAndFrequencyPenaltiesSubtract() {
        // Token 0 seen three times: 5 - 3 * 1.0 (frequency) - 0.5 (presence) = 1.5 < 2.
        Sampler sampler = new Sampler(SamplingOptions.GREEDY.withFrequencyPenalty(1f).withPresencePenalty(0.5f));
        assertThat(sampler.sample(new float[]{5f, 2f}, new int[]{0, 0, 0}, 3)).isEqualTo(1);
        // Seen twice: 5 - 2 - 0.5 = 2.5 > 2.
        assertThat(sampler.sample(new float[]{5f, 2f}, new int[]{0, 0, 1}, 3)).isEqualTo(0);
    }

    @Test
    void sameSeedSameDraws() {
        Sampler a = new Sampler(PLAIN.withSeed(99L));
        Sampler b = new Sampler(PLAIN.withSeed(99L));
        for (int i = 0; i < 200; i++) {
            assertThat(a.sample(LOGITS, NO_HISTORY, 0)).isEqualTo(b.sample(LOGITS, NO_HISTORY, 0));
        }
    }

    @Test
    void mostLikelyFirstOrdersByScoreThenId() {
        float[] scores = {1f, 5f, -3f, 5f, 2f, Float.NEGATIVE_INFINITY};
        assertThat(Sampler.mostLikelyFirst(scores, 6)).containsExactly(1, 3, 4, 0, 2, 5);
        assertThat(Sampler.mostLikelyFirst(scores, 3)).containsExactly(1, 3, 4);
    }

    @Test
    void invalidOptionsAreRejectedByName() {
        assertThatThrownBy(() -> PLAIN.withTopP(0f)).hasMessageContaining("topP");
        assertThatThrownBy(() -> PLAIN.withMinP(2f)).hasMessageContaining("minP");
        assertThatThrownBy(() -> PLAIN.withRepetitionPenalty(0f)).hasMessageContaining("repetitionPenalty");
        assertThatThrownBy(() -> PLAIN.withTemperature(Float.NaN)).hasMessageContaining("temperature");
    }
}
