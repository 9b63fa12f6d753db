package dev.sift.engine.bench;

import dev.sift.engine.kv.KvPrecision;

/**
 * What {@link Benchmark} measures.
 *
 * @param promptTokens tokens of the prompt (prefill), per run
 * @param genTokens    tokens decoded after the prompt, per run
 * @param threads      worker threads; 0 = all processors
 * @param runs         measured runs (after one short warm-up)
 * @param seed         picks the token ids fed in
 * @param kvPrecision  how the KV cache is stored
 */
public record BenchOptions(int promptTokens, int genTokens, int threads, int runs, long seed, KvPrecision kvPrecision) {

    public BenchOptions {
        if (promptTokens < 1 || genTokens < 1 || runs < 1 || threads < 0) {
            throw new IllegalArgumentException("prompt and generated tokens and runs must be positive and threads"
                    + " 0 (all) or positive: " + this);
        }
        java.util.Objects.requireNonNull(kvPrecision, "kvPrecision");
    }

    public static BenchOptions defaults() {
        return new BenchOptions(512, 128, 0, 5, 1, KvPrecision.F16);
    }
}
