package dev.sift.engine.bench;

/**
 * What {@link Benchmark} measures.
 *
 * @param promptTokens tokens of the prompt (prefill), per run
 * @param genTokens    tokens decoded after the prompt, per run
 * @param threads      worker threads; 0 = all processors
 * @param runs         measured runs (after one short warm-up)
 * @param seed         picks the token ids fed in
 */
public record BenchOptions(int promptTokens, int genTokens, int threads, int runs, long seed) {

    public BenchOptions {
        if (promptTokens < 1 || genTokens < 1 || runs < 1 || threads < 0) {
            throw new IllegalArgumentException("prompt and generated tokens and runs must be positive and threads"
                    + " 0 (all) or positive: " + this);
        }
    }

    public static BenchOptions defaults() {
        return new BenchOptions(512, 128, 0, 5, 1);
    }
}
