package dev.sift.engine.kv;

import java.util.Arrays;

/**
 * What a sequence's KV cache holds, and how compression got it there.
 *
 * @param method         the compression method
 * @param budget         tokens each layer keeps on average, as resolved for this sequence; 0 for the full cache
 * @param tokensPerLayer entries each layer holds, per KV head (the most any of its KV heads holds;
 *                       with top-k per KV head every head of a layer holds the same number)
 * @param bytesHeld      bytes of key and value storage the cache holds ({@link KvCache#keyValueBytes}):
 *                       after compression, {@code Σ tokensPerLayer × kvHeads × headDim × 2 × element size} (2 in F16, 4 in F32)
 * @param peakBytes      the most key and value bytes the cache held while the prompt was fed and
 *                       generation ran (measured before each compression and at the end)
 * @param ratio          entries held / entries a full cache would hold for the same tokens (1 = nothing dropped)
 * @param storeBytes     bytes held apart from the attention cache: the {@code sentence} method's store
 *                       (half-precision keys and values plus per-sentence key statistics); 0 for the others
 * @param reuse          {@code sentence} only: the share of the tokens chosen for the active set that
 *                       attention held already, over the last call's re-selections; NaN if there were none
 */
public record KvStats(CompressionMethodKind method, int budget, int[] tokensPerLayer, long bytesHeld, long peakBytes,
                      double ratio, long storeBytes, double reuse) {

    public KvStats {
        tokensPerLayer = tokensPerLayer.clone();
    }

    /**
     * Measures a cache.
     *
     * @param tokens    tokens the sequence has evaluated: what a full cache would hold per (layer, KV head)
     * @param peakBytes the most key and value bytes seen so far
     */
    public static KvStats of(KvCache cache, CompressionMethodKind method, int budget, int tokens, long peakBytes) {
        int[] perLayer = new int[cache.layers()];
        long entries = 0;
        for (int layer = 0; layer < cache.layers(); layer++) {
            for (int head = 0; head < cache.kvHeads(); head++) {
                perLayer[layer] = Math.max(perLayer[layer], cache.length(layer, head));
                entries += cache.length(layer, head);
            }
        }
        long full = (long) tokens * cache.layers() * cache.kvHeads();
        long bytes = cache.keyValueBytes();
        return new KvStats(method, budget, perLayer, bytes, Math.max(peakBytes, bytes), full == 0 ? 1 : (double) entries / full,
                0, Double.NaN);
    }

    /** These statistics with a store tier beside the attention cache. */
    public KvStats withStore(long bytes, double reuseRate) {
        return new KvStats(method, budget, tokensPerLayer, bytesHeld, peakBytes, ratio, bytes, reuseRate);
    }

    @Override
    public int[] tokensPerLayer() {
        return tokensPerLayer.clone();
    }

    @Override
    public String toString() {
        return "KvStats[" + method + (budget > 0 ? "@" + budget : "") + ", tokens per layer " + Arrays.toString(tokensPerLayer)
                + ", " + bytesHeld + " bytes (peak " + peakBytes + "), ratio " + String.format("%.3f", ratio)
                + (storeBytes > 0 ? ", store " + storeBytes + " bytes" : "")
                + (Double.isNaN(reuse) ? "" : String.format(", reuse %.3f", reuse)) + "]";
    }
}
