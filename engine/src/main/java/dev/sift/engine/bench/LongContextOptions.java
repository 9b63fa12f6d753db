package dev.sift.engine.bench;

import dev.sift.engine.kv.Budget;
import dev.sift.engine.kv.CompressionMethodKind;
import dev.sift.engine.kv.CompressionOptions;

import java.util.List;

/**
 * What {@link LongContextBenchmark} measures.
 *
 * @param contexts        context lengths in tokens, e.g. 1024, 4096, 16384, 32768
 * @param methods         methods compared with the full cache, which always runs
 * @param budgets         budgets each method runs at (a budget not below the context is skipped)
 * @param settings        sinks, window, prefill chunk, sentence settings and the rest for every run
 * @param genTokens       tokens decoded after each context; decode speed is the median over them
 * @param realPrefillUpTo contexts up to this length are prefilled for real (and timed); longer ones
 *                        are synthetic up to the observation window; 0 = always synthetic
 * @param seed            picks the prompt tokens and the synthetic keys and values
 */
public record LongContextOptions(List<Integer> contexts, List<CompressionMethodKind> methods, List<Budget> budgets,
                                 CompressionOptions settings, int genTokens, int realPrefillUpTo, long seed) {

    public LongContextOptions {
        contexts = List.copyOf(contexts);
        methods = List.copyOf(methods);
        budgets = List.copyOf(budgets);
        if (contexts.isEmpty() || contexts.stream().anyMatch(length -> length <= settings.reserved())) {
            throw new IllegalArgumentException("context lengths must be given and each longer than the "
                    + settings.reserved() + " sinks + window tokens, got " + contexts);
        }
        if (genTokens < 2 || realPrefillUpTo < 0) {
            throw new IllegalArgumentException("at least 2 generated tokens and a real-prefill limit of 0 or more, got "
                    + genTokens + " and " + realPrefillUpTo);
        }
    }
}
