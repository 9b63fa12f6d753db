package dev.sift.engine.kv;

import dev.sift.engine.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The two tiers of the {@code sentence} method for one sequence: a <em>store</em> of whole sentences
 * in half precision, apart from the attention cache, and the <em>active set</em>, the entries the
 * attention cache holds and attention reads.
 *
 * <p>Every token the sequence evaluates goes into both: the forward pass appends it to the attention
 * cache and {@link #evaluated} copies it into the store. At the end of the prompt (of each prompt
 * chunk) the store is compressed to {@code storeFactor × budget} tokens of whole sentences
 * ({@link SentenceKv}'s window scores) and the active set is chosen. During generation the active
 * set is chosen again at the end of each generated sentence (and every {@code reselectInterval}
 * tokens): each KV head keeps its sinks and its last {@code window} tokens and fills the rest of its
 * budget with the stored sentences that score highest against the queries of the tokens evaluated
 * since the last choice. Sentences already active stay where they are; only those newly chosen are
 * copied from the store into the attention cache. The share of chosen tokens that were active
 * already is the {@linkplain #reuse() reuse rate}.
 *
 * <p>Between two choices attention reads the active set plus the tokens generated since the last
 * choice. Rewinding (a chat reusing its previous turns) cuts both tiers and the sentences at the
 * same position, so a turn that extends the conversation continues on the compressed cache without
 * recomputing or re-compressing what came before.
 */
public final class SentenceCache {

    private final Sentences sentences;
    private final ArrayKvCache store;
    private final SentenceOptions settings;
    /** Per (layer, KV head): the key statistics of stored sentences, by sentence. */
    private final Map<Integer, SentenceStatistics>[][] statistics;
    /** Tokens evaluated since the active set was last chosen. */
    private int sinceSelection;
    private boolean selected;
    private long reusedTokens;
    private long chosenTokens;

    /**
     * A cache for a sequence that already holds {@code length} tokens, whose entries the attention
     * cache holds now: those go into the store as they are.
     */
    @SuppressWarnings("unchecked")
    public SentenceCache(Tokenizer tokenizer, SentenceOptions settings, KvCache attention, int[] tokens, int length) {
        this.settings = settings;
        this.sentences = new Sentences(tokenizer, settings.targetLength(), settings.maximumLength());
        this.store = new ArrayKvCache(attention.layers(), attention.kvHeads(), attention.headDim(), attention.capacity(),
                KvPrecision.F16);
        this.statistics = new Map[attention.layers()][attention.kvHeads()];
        for (Map<Integer, SentenceStatistics>[] layer : statistics) {
            Arrays.setAll(layer, h -> new HashMap<>());
        }
        for (int i = 0; i < length; i++) {
            sentences.append(tokens[i]);
        }
        float[] key = new float[attention.headDim()];
        float[] value = new float[attention.headDim()];
        for (int layer = 0; layer < attention.layers(); layer++) {
            for (int head = 0; head < attention.kvHeads(); head++) {
                for (int entry = 0; entry < attention.length(layer, head); entry++) {
                    attention.readKey(layer, head, entry, key, 0);
                    attention.readValue(layer, head, entry, value, 0);
                    store.append(layer, head, attention.position(layer, head, entry), key, value, 0);
                }
            }
        }
    }

    /** The settings this cache segments with; a request with other sentence lengths needs a new cache. */
    public SentenceOptions settings() {
        return settings;
    }

    /** The sentences of the sequence. */
    public Sentences sentences() {
        return sentences;
    }

    /** The store tier. */
    public KvCache store() {
        return store;
    }

    /**
     * Records a token the sequence just evaluated at {@code position}: its text for the sentences,
     * and its keys and values, which the forward pass appended to the attention cache, for the store.
     * Tokens evaluated together in one batch are recorded in position order after the batch.
     *
     * @return whether the token starts a new sentence after a closed one
     */
    public boolean evaluated(KvCache attention, int token, int position) {
        float[] key = new float[attention.headDim()];
        float[] value = new float[attention.headDim()];
        for (int layer = 0; layer < attention.layers(); layer++) {
            for (int head = 0; head < attention.kvHeads(); head++) {
                int last = attention.length(layer, head) - 1;
                // Appended in position order, one entry per position: the entry is as far from the end.
                int entry = last < 0 ? -1 : last - (attention.position(layer, head, last) - position);
                if (entry < 0 || attention.position(layer, head, entry) != position) {
                    throw new IllegalStateException("the attention cache of layer " + layer + " head " + head
                            + " does not hold position " + position + " among its newest entries");
                }
                attention.readKey(layer, head, entry, key, 0);
                attention.readValue(layer, head, entry, value, 0);
                store.append(layer, head, position, key, value, 0);
            }
        }
        sinceSelection++;
        return sentences.append(token);
    }

    /** Tokens evaluated since the active set was last chosen. */
    public int sinceSelection() {
        return sinceSelection;
    }

    /**
     * Compresses the store to {@code storeFactor × budget} tokens per KV head, whole sentences only
     * (nothing happens with a store factor of 0, or while the store is within that).
     */
    public void compressStore(CompressionOptions options, int budget, QueryWindow queries) {
        if (settings.storeFactor() == 0) {
            return;
        }
        int size = Math.multiplyExact(budget, settings.storeFactor());
        if (new Compressor(options.withBudget(Budget.tokens(size)), size).compress(store, queries, sentences)) {
            for (Map<Integer, SentenceStatistics>[] layer : statistics) {
                for (Map<Integer, SentenceStatistics> head : layer) {
                    head.clear();
                }
            }
        }
    }

    /**
     * Chooses the active set of every (layer, KV head) and makes the attention cache hold exactly
     * it: the sinks, the last {@code window} stored entries, and the best-scoring whole sentences
     * that fit in {@code budget}. A head whose store fits in the budget is active whole.
     *
     * @param promptEnd whether the prompt just ended: sentences are then ranked by their window scores,
     *                  as when the store was filled, rather than by the configured scoring against the
     *                  queries since the last choice
     */
    public void select(KvCache attention, CompressionOptions options, int budget, QueryWindow queries, boolean promptEnd) {
        int rows = Math.max(1, Math.min(sinceSelection, queries.size(0)));
        for (int layer = 0; layer < store.layers(); layer++) {
            CompressionContext context = new CompressionContext(store, queries, sentences, layer, options);
            float[][] windowScores = null;
            for (int head = 0; head < store.kvHeads(); head++) {
                int[] active;
                if (store.length(layer, head) <= budget) {
                    active = new int[store.length(layer, head)];
                    Arrays.setAll(active, i -> i);
                } else if (promptEnd || settings.scoring() == SentenceOptions.Scoring.ATTENTION) {
                    if (windowScores == null) {
                        windowScores = CompressionMethodKind.SENTENCE.method().scores(context);
                    }
                    float[] scores = windowScores[head];
                    active = choose(layer, head, options, budget, span -> scores[span[0]]);
                } else {
                    int l = layer;
                    int h = head;
                    active = choose(layer, head, options, budget, span -> score(statistics(l, h, span), l, h, queries, rows));
                }
                activate(attention, layer, head, active, options);
            }
        }
        selected = true;
        sinceSelection = 0;
    }

    /** The store entries one KV head makes active, in increasing order. */
    private int[] choose(int layer, int head, CompressionOptions options, int budget, ToDoubleFunction<int[]> scoring) {
        int n = store.length(layer, head);
        int sinks = Math.min(options.sinks(), n);
        int recent = Math.max(sinks, n - options.window());
        List<int[]> spans = Compressor.sentenceSpans(sinks, recent, entry -> sentences.sentenceAt(store.position(layer, head, entry)));
        return Compressor.keepWholeSpans(spans, scoring, n, budget, sinks, recent);
    }

    /**
     * A sentence's score against the last {@code rows} recorded queries of the KV head's query heads:
     * the largest {@link SentenceKv#bound}, or the mean {@link SentenceKv#meanKey}.
     */
    private float score(SentenceStatistics stats, int layer, int head, QueryWindow queries, int rows) {
        int groupSize = queries.heads() / store.kvHeads();
        int headDim = store.headDim();
        int size = queries.size(layer);
        float best = Float.NEGATIVE_INFINITY;
        float sum = 0f;
        for (int r = size - rows; r < size; r++) {
            float[] q = queries.queries(layer, r);
            for (int h = head * groupSize; h < (head + 1) * groupSize; h++) {
                if (settings.scoring() == SentenceOptions.Scoring.BOUND) {
                    best = Math.max(best, SentenceKv.bound(q, h * headDim, stats.minimums, stats.maximums));
                } else {
                    sum += SentenceKv.meanKey(q, h * headDim, stats.means);
                }
            }
        }
        return settings.scoring() == SentenceOptions.Scoring.BOUND ? best : sum / (rows * groupSize);
    }

    /** The statistics of the stored entries {@code span[0] … span[1] − 1}, sentence {@code span[2]}. */
    private SentenceStatistics statistics(int layer, int head, int[] span) {
        Map<Integer, SentenceStatistics> known = statistics[layer][head];
        SentenceStatistics stats = known.get(span[2]);
        int first = store.position(layer, head, span[0]);
        if (stats == null || stats.entries != span[1] - span[0] || stats.firstPosition != first) {
            stats = SentenceStatistics.of(store, layer, head, span[0], span[1]);
            known.put(span[2], stats);
        }
        return stats;
    }

    /**
     * Makes the attention cache of one (layer, KV head) hold exactly the given store entries, keeping
     * those it holds and copying the others from the store.
     */
    private void activate(KvCache attention, int layer, int head, int[] active, CompressionOptions options) {
        int held = attention.length(layer, head);
        int headDim = store.headDim();
        int[] keep = new int[active.length];
        int[] restored = new int[active.length];
        float[] keys = new float[active.length * headDim];
        float[] values = new float[active.length * headDim];
        int kept = 0;
        int back = 0;
        int entry = 0;
        int sinks = Math.min(options.sinks(), store.length(layer, head));
        int recent = store.length(layer, head) - options.window();
        for (int i = 0; i < active.length; i++) {
            int position = store.position(layer, head, active[i]);
            while (entry < held && attention.position(layer, head, entry) < position) {
                entry++;
            }
            boolean isHeld = entry < held && attention.position(layer, head, entry) == position;
            if (isHeld) {
                keep[kept++] = entry;
            } else {
                store.readKey(layer, head, active[i], keys, back * headDim);
                store.readValue(layer, head, active[i], values, back * headDim);
                restored[back++] = position;
            }
            boolean chosen = active[i] >= sinks && active[i] < recent;
            if (selected && chosen) {
                chosenTokens++;
                reusedTokens += isHeld ? 1 : 0;
            }
        }
        if (kept == held && back == 0) {
            return;
        }
        attention.restore(layer, head, Arrays.copyOf(keep, kept), Arrays.copyOf(restored, back),
                Arrays.copyOf(keys, back * headDim), Arrays.copyOf(values, back * headDim));
    }

    /**
     * The share of the tokens chosen for the active set, sinks and recent window aside, that the
     * attention cache held already, over every choice since {@link #resetReuse()}; NaN if no choice
     * followed an earlier one.
     */
    public double reuse() {
        return chosenTokens == 0 ? Double.NaN : (double) reusedTokens / chosenTokens;
    }

    /** Starts counting the reuse rate anew (at the start of a request). */
    public void resetReuse() {
        reusedTokens = 0;
        chosenTokens = 0;
    }

    /** Bytes the store holds: its keys and values plus the sentences' key statistics. */
    public long storeBytes() {
        long bytes = store.keyValueBytes();
        for (Map<Integer, SentenceStatistics>[] layer : statistics) {
            for (Map<Integer, SentenceStatistics> head : layer) {
                bytes += (long) head.size() * 3 * store.headDim() * Float.BYTES;
            }
        }
        return bytes;
    }

    /** Forgets every position from {@code keep} on, in the store and the sentences. */
    public void rewind(int keep) {
        store.dropFrom(keep);
        for (Map<Integer, SentenceStatistics>[] layer : statistics) {
            for (Map<Integer, SentenceStatistics> head : layer) {
                head.clear();
            }
        }
        sentences.truncate(keep);
        sinceSelection = 0;
    }

    /** Per-dimension minimum, maximum and mean of the keys of one stored sentence. */
    private record SentenceStatistics(int firstPosition, int entries, float[] minimums, float[] maximums, float[] means) {

        static SentenceStatistics of(KvCache store, int layer, int head, int from, int to) {
            int headDim = store.headDim();
            float[] min = new float[headDim];
            float[] max = new float[headDim];
            float[] mean = new float[headDim];
            Arrays.fill(min, Float.POSITIVE_INFINITY);
            Arrays.fill(max, Float.NEGATIVE_INFINITY);
            float[] key = new float[headDim];
            for (int entry = from; entry < to; entry++) {
                store.readKey(layer, head, entry, key, 0);
                for (int c = 0; c < headDim; c++) {
                    min[c] = Math.min(min[c], key[c]);
                    max[c] = Math.max(max[c], key[c]);
                    mean[c] += key[c];
                }
            }
            for (int c = 0; c < headDim; c++) {
                mean[c] /= to - from;
            }
            return new SentenceStatistics(store.position(layer, head, from), to - from, min, max, mean);
        }
    }
}
