package dev.sift.engine.kv;

import java.util.Arrays;

/**
 * Sentence-level compression (after SentKVCompress, "sentence-level perceived KV preprocessing" and
 * "sentence semantic-driven KV selection", and SentenceKV, Zhu et al., COLM 2025): attention
 * gathers at the level of sentences, so whole sentences are kept or dropped, never a sentence's
 * tokens apart from their neighbours.
 *
 * <p>Two scores, both here:
 * <ul>
 *   <li>Filling the store, at the end of the prompt: SnapKV's window scores
 *       ({@link CompressionContext#windowScores}, per KV head), reduced over each sentence with the
 *       mean (or max) and given to every entry of it; the {@link Compressor} then keeps whole
 *       sentences in score order.</li>
 *   <li>Choosing the active set, at the prompt's end and as generation goes
 *       ({@link SentenceCache}): each stored sentence against the queries of the tokens since the
 *       last choice, by {@link #bound} or {@link #meanKey}.</li>
 * </ul>
 */
final class SentenceKv implements CompressionMethod {

    @Override
    public float[][] scores(CompressionContext context) {
        float[][] tokenScores = context.windowScores();
        GroupAggregation aggregation = context.options().sentence().aggregation();
        float[][] scores = new float[tokenScores.length][];
        for (int head = 0; head < tokenScores.length; head++) {
            float[] tokens = tokenScores[head];
            float[] sentences = new float[tokens.length];
            int h = head;
            for (int[] span : Compressor.sentenceSpans(0, tokens.length, entry -> context.sentence(h, entry))) {
                float reduced = tokens[span[0]];
                for (int entry = span[0] + 1; entry < span[1]; entry++) {
                    reduced = aggregation == GroupAggregation.MAX ? Math.max(reduced, tokens[entry]) : reduced + tokens[entry];
                }
                float score = aggregation == GroupAggregation.MAX ? reduced : reduced / (span[1] - span[0]);
                Arrays.fill(sentences, span[0], span[1], score);
            }
            scores[head] = sentences;
        }
        return scores;
    }

    @Override
    public boolean keepsWholeSentences() {
        return true;
    }

    /**
     * Quest's upper bound of {@code q · k} over every key {@code k} of a sentence, from the
     * per-dimension minimum and maximum of its keys: {@code Σ_c max(q_c · kmin_c, q_c · kmax_c)}.
     *
     * @param query       a query head, at {@code query[offset .. offset + headDim]}
     * @param keyMinimums per-dimension minimum of the sentence's keys
     * @param keyMaximums per-dimension maximum of the sentence's keys
     */
    static float bound(float[] query, int offset, float[] keyMinimums, float[] keyMaximums) {
        float sum = 0f;
        for (int c = 0; c < keyMinimums.length; c++) {
            float q = query[offset + c];
            sum += Math.max(q * keyMinimums[c], q * keyMaximums[c]);
        }
        return sum;
    }

    /** SentenceKV's score: a query's dot product with the sentence's mean key. */
    static float meanKey(float[] query, int offset, float[] keyMeans) {
        float sum = 0f;
        for (int c = 0; c < keyMeans.length; c++) {
            sum += query[offset + c] * keyMeans[c];
        }
        return sum;
    }
}
