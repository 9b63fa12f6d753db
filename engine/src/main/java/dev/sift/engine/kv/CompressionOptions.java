package dev.sift.engine.kv;

import java.util.Objects;

/**
 * Which compression method a sequence uses, how much it keeps, and when it compresses. Start from
 * {@link #NONE} or {@link #of} and change what you need with the {@code with...} methods.
 *
 * @param method         the method; {@link CompressionMethodKind#NONE} keeps the full cache
 * @param budget         tokens each layer keeps on average, sinks and window included; a sequence
 *                       holding no more than this is not compressed. A token count must be at least
 *                       {@code sinks + window}; a share of the prompt ({@code 10%}) below it is raised to it
 * @param sinks          first entries every layer keeps (attention sinks; default 4)
 * @param window         last tokens every layer keeps, whose queries are also the observation window
 *                       that scores the others (default 32, for every method: CompressKV's SRH used 8,
 *                       but behind a chat template 8 tokens hold little besides the template's own)
 * @param pooling        how window scores are smoothed along the keys (default average)
 * @param poolingKernel  odd pooling width; 1 = no pooling (default 5, as SnapKV's code and kvpress)
 * @param aggregation    how the query heads of a KV head's group combine (default mean)
 * @param prefillChunk   prompt tokens fed between two compressions, so the cache never holds more than
 *                       the budget plus one chunk; 0 = compress once, after the whole prompt (default)
 * @param decodeInterval compress again after every this many generated tokens, so long generations stay
 *                       within budget; 0 = never during decoding (default)
 * @param sentence       settings of the {@code sentence} method's store and active set
 * @param profile        the calibrated SRH profile of the model, for the {@code srh} methods; {@code null}
 *                       (default): every query head votes and budgets are uniform. Other methods ignore it
 */
public record CompressionOptions(CompressionMethodKind method, Budget budget, int sinks, int window,
                                 Pooling pooling, int poolingKernel, GroupAggregation aggregation,
                                 int prefillChunk, int decodeInterval, SentenceOptions sentence,
                                 SrhProfile profile) {

    /** The full cache, with the defaults for every other option. */
    public static final CompressionOptions NONE = new CompressionOptions(CompressionMethodKind.NONE, Budget.tokens(512),
            4, 32, Pooling.AVERAGE, 5, GroupAggregation.MEAN, 0, 0, SentenceOptions.DEFAULTS, null);

    public CompressionOptions {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(budget, "budget");
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(aggregation, "aggregation");
        Objects.requireNonNull(sentence, "sentence");
        if (sinks < 0) {
            throw new IllegalArgumentException("sinks must be 0 or more, got " + sinks);
        }
        if (window <= 0) {
            throw new IllegalArgumentException("window must be at least 1 token, got " + window);
        }
        Pooling.checkKernel(poolingKernel);
        if (prefillChunk < 0 || decodeInterval < 0) {
            throw new IllegalArgumentException("prefill chunk and decode interval must be 0 (off) or positive, got "
                    + prefillChunk + " and " + decodeInterval);
        }
    }

    /** {@code method} at {@code budget}, with the defaults for everything else. */
    public static CompressionOptions of(CompressionMethodKind method, Budget budget) {
        return NONE.withMethod(method).withBudget(budget);
    }

    /** Whether the full cache is kept. */
    public boolean isNone() {
        return method == CompressionMethodKind.NONE;
    }

    /** Sinks + window: the tokens every layer keeps, and the smallest budget. */
    public int reserved() {
        return sinks + window;
    }

    /**
     * The budget in tokens for a sequence of {@code tokens} tokens. A share of a short prompt that
     * falls below {@link #reserved()} is raised to it.
     *
     * @throws IllegalArgumentException if a budget in tokens is less than sinks + window
     */
    public int budgetTokens(int tokens) {
        if (budget instanceof Budget.Tokens fixed && fixed.count() < reserved()) {
            throw new IllegalArgumentException("budget " + fixed.count() + " is less than the " + sinks + " sinks + "
                    + window + " window tokens every layer keeps; lower the window or raise the budget");
        }
        return Math.max(budget.resolve(tokens), reserved());
    }

    public CompressionOptions withMethod(CompressionMethodKind value) {
        return new CompressionOptions(value, budget, sinks, window, pooling, poolingKernel, aggregation, prefillChunk, decodeInterval, sentence,
                profile);
    }

    public CompressionOptions withBudget(Budget value) {
        return new CompressionOptions(method, value, sinks, window, pooling, poolingKernel, aggregation, prefillChunk, decodeInterval, sentence,
                profile);
    }

    public CompressionOptions withSinks(int value) {
        return new CompressionOptions(method, budget, value, window, pooling, poolingKernel, aggregation, prefillChunk, decodeInterval, sentence,
                profile);
    }

    public CompressionOptions withWindow(int value) {
        return new CompressionOptions(method, budget, sinks, value, pooling, poolingKernel, aggregation, prefillChunk, decodeInterval, sentence,
                profile);
    }

    public CompressionOptions withPooling(Pooling value, int kernel) {
        return new CompressionOptions(method, budget, sinks, window, value, kernel, aggregation, prefillChunk, decodeInterval, sentence,
                profile);
    }

    public CompressionOptions withAggregation(GroupAggregation value) {
        return new CompressionOptions(method, budget, sinks, window, pooling, poolingKernel, value, prefillChunk, decodeInterval, sentence,
                profile);
    }

    public CompressionOptions withPrefillChunk(int value) {
        return new CompressionOptions(method, budget, sinks, window, pooling, poolingKernel, aggregation, value, decodeInterval, sentence,
                profile);
    }

    public CompressionOptions withDecodeInterval(int value) {
        return new CompressionOptions(method, budget, sinks, window, pooling, poolingKernel, aggregation, prefillChunk, value, sentence,
                profile);
    }

    public CompressionOptions withSentence(SentenceOptions value) {
        return new CompressionOptions(method, budget, sinks, window, pooling, poolingKernel, aggregation, prefillChunk, decodeInterval, value,
                profile);
    }

    /** The SRH profile for the {@code srh} methods; {@code null} for none. */
    public CompressionOptions withProfile(SrhProfile value) {
        return new CompressionOptions(method, budget, sinks, window, pooling, poolingKernel, aggregation, prefillChunk,
                decodeInterval, sentence, value);
    }

    @Override
    public String toString() {
        return isNone() ? "none" : method + "@" + budget + " (sinks " + sinks + ", window " + window + ", " + pooling
                + " pooling " + poolingKernel + ", GQA " + aggregation
                + (prefillChunk > 0 ? ", prefill chunk " + prefillChunk : "")
                + (decodeInterval > 0 ? ", every " + decodeInterval + " decoded" : "")
                + (method == CompressionMethodKind.SENTENCE ? ", " + sentence : "")
                + (profile != null ? ", SRH profile of " + profile.model().name() : "") + ")";
    }
}
