package dev.sift.engine.eval;

import dev.sift.engine.kv.Budget;
import dev.sift.engine.kv.CompressionMethodKind;
import dev.sift.engine.kv.CompressionOptions;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * What the fidelity harness runs.
 *
 * @param methods       methods to compare; {@code none} (the full cache, the reference) runs once
 * @param budgets       budgets each other method runs at
 * @param compression   sinks, window, pooling and the rest for every run (its method and budget are not used)
 * @param tokens        tokens compared after each context (agreement and KL), N
 * @param contextTokens prompts shorter than this are extended with the model's own full-cache greedy
 *                      continuation up to this many tokens, so that budgets have something to drop;
 *                      also the haystack length of the needle test
 * @param mode          whether the needle question is in the observation window
 * @param depths        needle depths, percent of the haystack
 */
public record EvalOptions(List<CompressionMethodKind> methods, List<Budget> budgets, CompressionOptions compression,
                          int tokens, int contextTokens, EvalMode mode, List<Integer> depths) {

    /** All methods at 64, 128 and 256 tokens, 64 tokens compared after 384-token contexts, query-aware. */
    public static final EvalOptions DEFAULTS = new EvalOptions(List.of(CompressionMethodKind.values()),
            List.of(Budget.tokens(64), Budget.tokens(128), Budget.tokens(256)), CompressionOptions.NONE, 64, 384,
            EvalMode.QUERY_AWARE, List.of(0, 25, 50, 75, 100));

    public EvalOptions {
        methods = List.copyOf(methods);
        budgets = List.copyOf(budgets);
        depths = List.copyOf(depths);
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(mode, "mode");
        if (methods.isEmpty() || budgets.isEmpty() && !methods.stream().allMatch(m -> m == CompressionMethodKind.NONE)) {
            throw new IllegalArgumentException("name at least one method, and a budget for methods other than none");
        }
        if (tokens <= 0 || contextTokens < 0) {
            throw new IllegalArgumentException("tokens must be positive and context tokens 0 or more, got " + tokens
                    + " and " + contextTokens);
        }
        if (depths.stream().anyMatch(depth -> depth < 0 || depth > 100)) {
            throw new IllegalArgumentException("needle depths must be between 0 and 100 percent, got " + depths);
        }
        // A budget too small for sinks + window fails now, not after the references were computed.
        budgets.forEach(budget -> compression.withBudget(budget).budgetTokens(contextTokens));
    }

    /** The compression of every run: {@code none} first (once), then each other method at each budget. */
    public List<CompressionOptions> runs() {
        return methods.stream().distinct()
                .flatMap(method -> method == CompressionMethodKind.NONE
                        ? Stream.of(CompressionOptions.NONE)
                        : budgets.stream().map(budget -> compression.withMethod(method).withBudget(budget)))
                .sorted(Comparator.comparing(run -> !run.isNone()))
                .toList();
    }
}
