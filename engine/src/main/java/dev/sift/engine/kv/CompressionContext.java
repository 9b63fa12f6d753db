package dev.sift.engine.kv;

import dev.sift.engine.backend.CpuKernels;

/**
 * What a {@link CompressionMethod} may look at to score one layer: the cache, the observation
 * window's queries, and the shared scores computed from them on first use.
 *
 * <p>Entries {@code 0 … candidates(kvHead) − 1} of each KV head are the ones compression chooses
 * among; the last {@code window} entries follow them and are always kept.
 */
public final class CompressionContext {

    private final KvCache cache;
    private final QueryWindow queries;
    private final int layer;
    private final CompressionOptions options;
    private final Sentences sentences;
    /** Per query head, computed on first use; {@code null} until then. */
    private float[][] queryHeadScores;
    private float[][] windowScores;

    /**
     * @param queries   the recorded queries; may be {@code null} for methods that never ask for window scores
     * @param sentences the sequence's sentences; may be {@code null} for methods that keep no sentences
     */
    CompressionContext(KvCache cache, QueryWindow queries, Sentences sentences, int layer, CompressionOptions options) {
        this.cache = cache;
        this.queries = queries;
        this.sentences = sentences;
        this.layer = layer;
        this.options = options;
    }

    public int layer() {
        return layer;
    }

    /** The settings this compression runs with (window, pooling, SRH profile, …). */
    public CompressionOptions options() {
        return options;
    }

    public int kvHeads() {
        return cache.kvHeads();
    }

    /**
     * Query heads of the model.
     *
     * @throws IllegalStateException if no queries were recorded
     */
    public int queryHeads() {
        return recordedQueries().heads();
    }

    /** The KV head a query head reads. */
    public int kvHeadOf(int queryHead) {
        return queryHead / (queryHeads() / kvHeads());
    }

    /** Entries one KV head of this layer holds. */
    public int length(int kvHead) {
        return cache.length(layer, kvHead);
    }

    /** Entries of a KV head that compression chooses among: all but the window. */
    public int candidates(int kvHead) {
        return length(kvHead) - options.window();
    }

    /** The original token position of an entry. */
    public int position(int kvHead, int entry) {
        return cache.position(layer, kvHead, entry);
    }

    /**
     * The sentence holding an entry's token.
     *
     * @throws IllegalStateException if the sequence was not segmented into sentences
     */
    public int sentence(int kvHead, int entry) {
        if (sentences == null) {
            throw new IllegalStateException(options.method() + " needs the sequence's sentences, and none were given");
        }
        return sentences.sentenceAt(position(kvHead, entry));
    }

    /**
     * SnapKV's score of every candidate entry, per KV head: {@link #queryHeadScores} reduced over the
     * consecutive query heads of each KV head's group with the configured {@link GroupAggregation}.
     *
     * @return {@code [kvHead][entry]}, computed once per layer
     */
    public float[][] windowScores() {
        if (windowScores == null) {
            float[][] perQueryHead = queryHeadScores();
            windowScores = new float[kvHeads()][];
            for (int g = 0; g < kvHeads(); g++) {
                windowScores[g] = options.aggregation().reduce(perQueryHead, g, perQueryHead.length / kvHeads());
            }
        }
        return windowScores;
    }

    /**
     * For every query head, the attention its observation-window queries pay to each candidate entry
     * of its KV head: {@link #queryHeadScore} of each.
     *
     * @return {@code [queryHead][entry]}, computed once per layer
     * @throws IllegalStateException if no queries were recorded
     */
    public float[][] queryHeadScores() {
        for (int h = 0; h < queryHeads(); h++) {
            queryHeadScore(h);
        }
        return queryHeadScores;
    }

    /**
     * The attention one query head's observation-window queries pay to each candidate entry of its KV
     * head, averaged over the window and then pooled along the keys:
     * {@code s_i = Pool_k(mean_t softmax(q_t K^T / √d + M)_i)}. The softmax runs over every entry,
     * window included, in float32; the mask {@code M} hides entries at positions after the query's
     * own (the causal mask inside the window). One window row is held at a time, never an
     * {@code L × L} matrix. Methods that listen to a few heads only pay for those.
     *
     * @return one score per candidate entry of the head's KV head, computed once per layer
     * @throws IllegalStateException if no queries were recorded
     */
    public float[] queryHeadScore(int queryHead) {
        if (queryHeadScores == null) {
            queryHeadScores = new float[queryHeads()][];
        }
        if (queryHeadScores[queryHead] == null) {
            queryHeadScores[queryHead] = options.pooling().apply(windowAttention(queryHead), options.poolingKernel());
        }
        return queryHeadScores[queryHead];
    }

    private QueryWindow recordedQueries() {
        if (queries == null || queries.size(layer) == 0) {
            throw new IllegalStateException("window scores need the recorded queries of layer " + layer);
        }
        return queries;
    }

    /** Mean attention of the window's queries of one query head to each candidate entry of its KV head. */
    private float[] windowAttention(int queryHead) {
        int kvHead = kvHeadOf(queryHead);
        int length = length(kvHead);
        int headDim = cache.headDim();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        // The window may hold more queries than asked for (a buffer sized for an earlier request).
        int rows = Math.min(options.window(), queries.size(layer));
        int firstRow = queries.size(layer) - rows;
        float[] logits = new float[length];
        float[] sum = new float[candidates(kvHead)];
        for (int r = firstRow; r < firstRow + rows; r++) {
            float[] q = queries.queries(layer, r);
            int queryPosition = queries.position(layer, r);
            cache.keyDots(layer, kvHead, length, q, queryHead * headDim, logits);
            for (int i = 0; i < length; i++) {
                logits[i] = cache.position(layer, kvHead, i) <= queryPosition ? logits[i] * scale : Float.NEGATIVE_INFINITY;
            }
            CpuKernels.softmax(logits, length);
            for (int i = 0; i < sum.length; i++) {
                sum[i] += logits[i];
            }
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= rows;
        }
        return sum;
    }
}
