package dev.sift.engine.calibration;

import dev.sift.engine.kv.SrhProfile;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Head scores on hand-built attention rows, the ranking, and the measures calibration uses. */
class RetrievalScoreTest {

    /** Positions 0..7; the needle is positions 3..5, holding tokens 30, 40, 30. */
    private static final int[] TOKENS = {10, 11, 12, 30, 40, 30, 13, 14};
    private static final int NEEDLE_START = 3;
    private static final int NEEDLE_END = 6;

    @Test
    void semanticScoreIsTheWholeNeedleMassWhenTheGeneratedTokenOccursInTheNeedle() {
        float[] row = {0.1f, 0.05f, 0.05f, 0.2f, 0.1f, 0.3f, 0.1f, 0.1f};
        // Token 40 is in the needle: the mass on positions 3..5 counts, wherever the peak is.
        assertThat(RetrievalScore.SEMANTIC.step(row, TOKENS, NEEDLE_START, NEEDLE_END, 40)).isCloseTo(0.6, within(1e-6));
        // Token 30 occurs twice in the needle, and still counts once.
        assertThat(RetrievalScore.SEMANTIC.step(row, TOKENS, NEEDLE_START, NEEDLE_END, 30)).isCloseTo(0.6, within(1e-6));
        // Token 12 occurs only outside the needle: nothing.
        assertThat(RetrievalScore.SEMANTIC.step(row, TOKENS, NEEDLE_START, NEEDLE_END, 12)).isZero();
    }

    @Test
    void copyScoreNeedsThePeakOnTheNeedleTokenThatIsGenerated() {
        float[] peakOn40 = {0.05f, 0.05f, 0.05f, 0.1f, 0.5f, 0.1f, 0.1f, 0.05f};
        assertThat(RetrievalScore.COPY.step(peakOn40, TOKENS, NEEDLE_START, NEEDLE_END, 40)).isCloseTo(1.0 / 3, within(1e-12));
        // The peak is in the needle but holds another token than the one generated.
        assertThat(RetrievalScore.COPY.step(peakOn40, TOKENS, NEEDLE_START, NEEDLE_END, 30)).isZero();
        // The generated token is in the needle but the peak is outside it; the semantic score still counts.
        float[] peakOutside = {0.05f, 0.05f, 0.05f, 0.2f, 0.2f, 0.1f, 0.0f, 0.35f};
        assertThat(RetrievalScore.COPY.step(peakOutside, TOKENS, NEEDLE_START, NEEDLE_END, 40)).isZero();
        assertThat(RetrievalScore.SEMANTIC.step(peakOutside, TOKENS, NEEDLE_START, NEEDLE_END, 40)).isCloseTo(0.5, within(1e-6));
    }

    @Test
    void headsRankByMeanScoreOverRetrievedRunsBestFirst() {
        // Summed over 2 retrieved runs: head 2 best, heads 0 and 3 tied (the lower first), head 1 last.
        assertThat(SrhCalibrator.rank(new double[]{0.8, 0.2, 1.4, 0.8}, 2)).containsExactly(
                new SrhProfile.HeadScore(2, 0.7), new SrhProfile.HeadScore(0, 0.4), new SrhProfile.HeadScore(3, 0.4),
                new SrhProfile.HeadScore(1, 0.1));
    }

    @Test
    void rougeOneRecallCountsTheReferencesWordsFoundOnceEach() {
        assertThat(SrhCalibrator.rouge1Recall("Jack", " Jack. He")).isEqualTo(1.0);
        assertThat(SrhCalibrator.rouge1Recall("pink hat", " pink ball")).isEqualTo(0.5);
        assertThat(SrhCalibrator.rouge1Recall("a big big dog", "A big dog")).isEqualTo(0.75);
        assertThat(SrhCalibrator.rouge1Recall("Bob", " Max.")).isZero();
        assertThat(SrhCalibrator.rouge1Recall("...", "Bob")).isZero();
    }

    @Test
    void relativeErrorIsTheNormOfTheDifferenceOverTheNormOfTheExactOutput() {
        assertThat(SrhCalibrator.relativeError(new float[]{3, 4}, new float[]{3, 4})).isZero();
        assertThat(SrhCalibrator.relativeError(new float[]{3, 4}, new float[]{0, 0})).isCloseTo(1.0, within(1e-5));
        assertThat(SrhCalibrator.relativeError(new float[]{3, 4}, new float[]{6, 8})).isCloseTo(1.0, within(1e-5));
        assertThat(SrhCalibrator.relativeError(new float[]{0, 0}, new float[]{1e-6f, 0})).isCloseTo(0.1, within(1e-6));
    }

    @Test
    void scoresParseByName() {
        assertThat(RetrievalScore.parse(" Copy ")).isEqualTo(RetrievalScore.COPY);
        assertThat(RetrievalScore.SEMANTIC.label()).isEqualTo("semantic");
        assertThatThrownBy(() -> RetrievalScore.parse("induction"))
                .hasMessage("retrieval score 'induction' is not one of: semantic, copy");
    }
}
