package dev.sift.engine.kv;

import java.util.Arrays;

/**
 * What makes one compression method different from another: how it scores the entries of a layer
 * and, optionally, how it spreads the budget over layers. Everything else (window attention,
 * pooling, GQA aggregation, sinks and window, top-k, compaction) is shared and lives in
 * {@link Compressor} and {@link CompressionContext}.
 *
 * <p>Implementations are stateless: one instance serves every sequence.
 */
public interface CompressionMethod {

    /**
     * Scores the entries of one layer that compression chooses among: for each KV head, one score
     * per entry outside the recent window ({@link CompressionContext#candidates}). Each KV head keeps
     * its highest-scoring entries (ties keep the earlier entry); the first {@code sinks} entries and
     * the window are kept whatever their score.
     *
     * @return {@code [kvHead][entry]}
     */
    float[][] scores(CompressionContext context);

    /**
     * Tokens each layer keeps, sinks and window included, averaging {@code budget}. The default
     * gives every layer the same budget.
     *
     * @param layers  layers of the model
     * @param budget  tokens per layer on average
     * @param length  the most entries one (layer, KV head) holds before compression ({@code > budget})
     * @param options the compression settings: {@link CompressionOptions#reserved()} (sinks + window,
     *                {@code <= budget}) is what every layer keeps whatever its budget
     */
    default int[] layerBudgets(int layers, int budget, int length, CompressionOptions options) {
        int[] budgets = new int[layers];
        Arrays.fill(budgets, budget);
        return budgets;
    }

    /**
     * Whether each KV head keeps whole sentences: entries are chosen sentence by sentence, in score
     * order, skipping a sentence that no longer fits, instead of entry by entry. Every entry of a
     * sentence must then carry the sentence's score.
     */
    default boolean keepsWholeSentences() {
        return false;
    }
}
