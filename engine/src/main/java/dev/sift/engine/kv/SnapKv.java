package dev.sift.engine.kv;

/**
 * SnapKV (Li et al., "SnapKV: LLM Knows What You are Looking for Before Generation", NeurIPS 2024):
 * the last {@code window} prompt tokens already attend to what generation will need, so each KV head
 * keeps the entries those queries attend to most, pooled so that neighbours of a peak survive with
 * it, plus the window itself.
 *
 * <p>{@code s_i = Pool_k(mean_{t ∈ window} softmax(q_t K^T / √d + M)_i)}, reduced over each KV head's
 * group of query heads ({@link CompressionContext#windowScores}). kvpress's layout: the cache stays at
 * KV-head granularity and group scores are averaged, not the original's per-query-head copies.
 */
final class SnapKv implements CompressionMethod {

    @Override
    public float[][] scores(CompressionContext context) {
        return context.windowScores();
    }
}
