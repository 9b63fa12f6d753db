package dev.sift.engine.kv;

import java.util.Locale;

/**
 * How the scores of the query heads that share a KV head become that KV head's score. Query head
 * {@code h} reads KV head {@code h / g} (g = query heads per KV head), so KV head {@code k} reduces
 * over the <em>consecutive</em> query heads {@code k·g … k·g + g − 1}; reducing over a strided set
 * ({@code k, k + H_kv, …}) mixes heads of different groups, a bug of several published baselines.
 */
public enum GroupAggregation {

    /** The mean over the group (kvpress, KVCache-Factory's {@code kv_head} mode). */
    MEAN,
    /** The largest score in the group: a token any head of the group needs is kept. */
    MAX;

    /**
     * Reduces the query-head scores of one group.
     *
     * @param queryHeadScores scores per query head, all of the same length
     * @param kvHead          the KV head whose group is reduced
     * @param groupSize       query heads per KV head
     */
    public float[] reduce(float[][] queryHeadScores, int kvHead, int groupSize) {
        int first = kvHead * groupSize;
        float[] out = new float[queryHeadScores[first].length];
        for (int i = 0; i < out.length; i++) {
            float reduced = queryHeadScores[first][i];
            for (int h = first + 1; h < first + groupSize; h++) {
                reduced = switch (this) {
                    case MEAN -> reduced + queryHeadScores[h][i];
                    case MAX -> Math.max(reduced, queryHeadScores[h][i]);
                };
            }
            out[i] = this == MEAN ? reduced / groupSize : reduced;
        }
        return out;
    }

    /** Reads {@code mean} or {@code max}. */
    public static GroupAggregation parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "mean" -> MEAN;
            case "max" -> MAX;
            default -> throw new IllegalArgumentException("GQA aggregation '" + text + "' is not one of: mean, max");
        };
    }
}
