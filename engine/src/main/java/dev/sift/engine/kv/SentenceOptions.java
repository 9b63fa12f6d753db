package dev.sift.engine.kv;

import java.util.Locale;
import java.util.Objects;

/**
 * Settings of the {@code sentence} method ({@link SentenceKv}); the other methods ignore them.
 *
 * @param storeFactor      the store holds {@code storeFactor × budget} prompt tokens, in whole sentences;
 *                         0 keeps the whole prompt (default 3, as SentenceKV's scripts)
 * @param reselectInterval also re-select the active set every this many generated tokens, not only at
 *                         the end of each generated sentence; 0 = at sentence ends only (default)
 * @param targetLength     usual sentence length in tokens, where clauses start to end sentences (default 24)
 * @param maximumLength    the longest sentence in tokens, for text without punctuation (default 64)
 * @param scoring          how the active set's sentences are chosen for the current queries
 * @param aggregation      how a sentence's token scores become its score when the store is filled
 *                         (default mean, as ChunkKV)
 */
public record SentenceOptions(int storeFactor, int reselectInterval, int targetLength, int maximumLength,
                              Scoring scoring, GroupAggregation aggregation) {

    /** The defaults. */
    public static final SentenceOptions DEFAULTS = new SentenceOptions(3, 0, 24, 64, Scoring.BOUND, GroupAggregation.MEAN);

    public SentenceOptions {
        Objects.requireNonNull(scoring, "scoring");
        Objects.requireNonNull(aggregation, "aggregation");
        if (storeFactor < 0 || reselectInterval < 0) {
            throw new IllegalArgumentException("store factor and re-select interval must be 0 (off) or positive, got "
                    + storeFactor + " and " + reselectInterval);
        }
        if (targetLength < Sentences.SHORTEST || maximumLength < targetLength) {
            throw new IllegalArgumentException("sentence lengths must satisfy " + Sentences.SHORTEST
                    + " <= target <= maximum, got target " + targetLength + " and maximum " + maximumLength);
        }
    }

    public SentenceOptions withStoreFactor(int value) {
        return new SentenceOptions(value, reselectInterval, targetLength, maximumLength, scoring, aggregation);
    }

    public SentenceOptions withReselectInterval(int value) {
        return new SentenceOptions(storeFactor, value, targetLength, maximumLength, scoring, aggregation);
    }

    public SentenceOptions withLengths(int target, int maximum) {
        return new SentenceOptions(storeFactor, reselectInterval, target, maximum, scoring, aggregation);
    }

    public SentenceOptions withScoring(Scoring value) {
        return new SentenceOptions(storeFactor, reselectInterval, targetLength, maximumLength, value, aggregation);
    }

    public SentenceOptions withAggregation(GroupAggregation value) {
        return new SentenceOptions(storeFactor, reselectInterval, targetLength, maximumLength, scoring, value);
    }

    /** How a stored sentence is scored against the queries of the tokens generated since the last selection. */
    public enum Scoring {
        /**
         * Quest's upper bound of any of its keys' dot product with a query:
         * {@code Σ_c max(q_c · kmin_c, q_c · kmax_c)}, the largest over the queries and the KV head's
         * query heads. A sentence holding one key the query matches strongly ranks high.
         */
        BOUND,
        /** SentenceKV's dot product of the mean query with the sentence's mean key. */
        MEAN_KEY,
        /**
         * The attention the last {@code window} tokens' queries pay to each stored sentence, as when the
         * store was filled: exact rather than bounded, and costlier (every stored key, every query).
         */
        ATTENTION;

        /** Reads {@code bound}, {@code mean-key} or {@code attention}. */
        public static Scoring parse(String text) {
            return switch (text.strip().toLowerCase(Locale.ROOT)) {
                case "bound" -> BOUND;
                case "mean-key" -> MEAN_KEY;
                case "attention" -> ATTENTION;
                default -> throw new IllegalArgumentException("sentence scoring '" + text
                        + "' is not one of: bound, mean-key, attention");
            };
        }
    }
}
