package dev.sift.engine.kv;

import dev.sift.engine.SharedModels;
import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Sentence scoring and whole-sentence selection on hand-built scores and caches. */
class SentenceKvTest {

    private static GgufFile vocabulary;
    private static Tokenizer tokenizer;

    @BeforeAll
    static void open() throws IOException {
        vocabulary = GgufFile.open(SharedModels.model("vocab/ggml-vocab-llama-bpe.gguf"));
        tokenizer = Tokenizer.fromGguf(vocabulary);
    }

    @AfterAll
    static void close() {
        vocabulary.close();
    }

    @Test
    void wholeSentencesAreTakenInScoreOrderSkippingThoseThatNoLongerFit() {
        // 20 entries, sinks 2, window 3; sentences [0,4) [4,9) [9,12) [12,17) [17,20).
        int[] sentenceOf = {0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4};
        float[] bySentence = {0.1f, 0.8f, 0.5f, 0.9f};
        float[] scores = new float[17];
        for (int e = 0; e < scores.length; e++) {
            scores[e] = bySentence[sentenceOf[e]];
        }
        // Room 12 - 2 - 3 = 7: sentence 3 (5 entries) fits, 1 (5) and 2 (3) no longer do, the 2 candidate
        // entries of sentence 0 (after the sinks) do.
        assertThat(Compressor.selectSentences(scores, 20, 12, 2, 3, e -> sentenceOf[e]))
                .containsExactly(0, 1, 2, 3, 12, 13, 14, 15, 16, 17, 18, 19);
        // Room 10: sentences 3 and 1 fill it.
        assertThat(Compressor.selectSentences(scores, 20, 15, 2, 3, e -> sentenceOf[e]))
                .containsExactly(0, 1, 4, 5, 6, 7, 8, 12, 13, 14, 15, 16, 17, 18, 19);
    }

    @Test
    void tiedSentencesKeepTheEarlierOne() {
        int[] sentenceOf = {0, 0, 1, 1, 2, 2, 3};
        float[] scores = {0, 0, 0.5f, 0.5f, 0.5f, 0.5f};
        assertThat(Compressor.selectSentences(scores, 7, 4, 1, 1, e -> sentenceOf[e])).containsExactly(0, 2, 3, 6);
    }

    /** A one-head, head-dim-1 cache whose entry i has key {@code logWeights[i]}: window query 1 gives it that logit. */
    private static ArrayKvCache cache(double... logWeights) {
        ArrayKvCache cache = new ArrayKvCache(1, 1, 1, 1024);
        for (int i = 0; i < logWeights.length; i++) {
            cache.append(0, i, new float[] {(float) logWeights[i]}, new float[] {0f});
        }
        return cache;
    }

    private static Sentences sentences(String text) {
        Sentences sentences = new Sentences(tokenizer, 24, 64);
        for (int token : tokenizer.encode(text, false, false)) {
            sentences.append(token);
        }
        return sentences;
    }

    @Test
    void aSentenceScoresTheMeanOrTheMaximumOfItsTokensWindowScores() {
        // "A b c d. E f g h. I j. K" -> sentences of 5, 5, 3 and 1 tokens (". " merges as "." + " E").
        Sentences sentences = sentences("A b c d. E f g h. I j. K");
        assertThat(IntStream.range(0, sentences.count()).map(j -> sentences.end(j) - sentences.start(j)).toArray())
                .containsExactly(5, 5, 3, 1);
        // Sentence 0 has one strong token, sentence 1 is evenly warm.
        ArrayKvCache cache = cache(0, 3, 0, 0, 0, 2, 2, 2, 2, 2, 0, 0, 0, 0);
        QueryWindow window = new QueryWindow(1, 1, 1, 1);
        window.record(0, 13, new float[] {1f});
        CompressionOptions options = CompressionOptions.of(CompressionMethodKind.SENTENCE, Budget.tokens(7))
                .withSinks(0).withWindow(1).withPooling(Pooling.AVERAGE, 1);
        CompressionContext context = new CompressionContext(cache, window, sentences, 0, options);
        float[] tokens = context.windowScores()[0];
        float[] mean = CompressionMethodKind.SENTENCE.method().scores(context)[0];
        float firstMean = (tokens[0] + tokens[1] + tokens[2] + tokens[3] + tokens[4]) / 5;
        for (int e = 0; e < 5; e++) {
            assertThat(mean[e]).isCloseTo(firstMean, within(1e-7f));
        }
        assertThat(mean[5]).isGreaterThan(mean[0]);

        CompressionContext byMax = new CompressionContext(cache, window, sentences, 0,
                options.withSentence(SentenceOptions.DEFAULTS.withAggregation(GroupAggregation.MAX)));
        float[] max = CompressionMethodKind.SENTENCE.method().scores(byMax)[0];
        assertThat(max[0]).isEqualTo(tokens[1]);
        assertThat(max[0]).isGreaterThan(max[5]);

        // Compressing to 7 keeps the window and the better 5-token sentence: the second by mean, the first by max.
        ArrayKvCache meanCache = cache(0, 3, 0, 0, 0, 2, 2, 2, 2, 2, 0, 0, 0, 0);
        new Compressor(options, 14).compress(meanCache, window, sentences);
        assertThat(positions(meanCache)).containsExactly(5, 6, 7, 8, 9, 13);
        ArrayKvCache maxCache = cache(0, 3, 0, 0, 0, 2, 2, 2, 2, 2, 0, 0, 0, 0);
        new Compressor(options.withSentence(SentenceOptions.DEFAULTS.withAggregation(GroupAggregation.MAX)), 14)
                .compress(maxCache, window, sentences);
        assertThat(positions(maxCache)).containsExactly(0, 1, 2, 3, 4, 13);
    }

    private static int[] positions(KvCache cache) {
        return IntStream.range(0, cache.length(0, 0)).map(e -> cache.position(0, 0, e)).toArray();
    }

    @Test
    void theBoundIsTheLargestDotProductAnyKeyInTheBoxCouldHave() {
        float[] min = {-1f, 0f, 2f};
        float[] max = {3f, 1f, 2f};
        float[] query = {9f, 1f, -2f, 0.5f};
        // At offset 1, q = (1, -2, 0.5): max(-1, 3) + max(0, -2) + max(1, 1) = 3 + 0 + 1.
        assertThat(SentenceKv.bound(query, 1, min, max)).isEqualTo(4f);
        // Every key inside the box scores at most the bound.
        float[][] keys = {{-1f, 0f, 2f}, {3f, 1f, 2f}, {0.5f, 0.25f, 2f}};
        for (float[] key : keys) {
            assertThat(key[0] * 1f + key[1] * -2f + key[2] * 0.5f).isLessThanOrEqualTo(4f);
        }
        assertThat(SentenceKv.meanKey(query, 1, new float[] {1f, 1f, 2f})).isEqualTo(1f - 2f + 1f);
    }
}
