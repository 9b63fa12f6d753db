package dev.sift.engine.kv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntUnaryOperator;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;

/**
 * Compresses a {@link KvCache} to a budget with one {@link CompressionMethod}: the mechanics every
 * method shares. For each layer it asks the method for scores, then each KV head keeps its first
 * {@code sinks} entries, its last {@code window} entries and the highest-scoring entries between
 * them up to the layer's budget, and the cache is compacted with {@link KvCache#retain}. Positions
 * are kept, so generation continues at the original next position.
 */
public final class Compressor {

    private final CompressionOptions options;
    private final CompressionMethod method;
    private final int budget;

    /**
     * @param options how to compress; not {@link CompressionOptions#NONE}
     * @param tokens  tokens the sequence holds once the prompt is in, which a share budget
     *                ({@code 10%}) is taken of
     * @throws IllegalArgumentException if a budget in tokens is less than sinks + window
     */
    public Compressor(CompressionOptions options, int tokens) {
        this.options = options;
        this.method = options.method().method();
        this.budget = options.budgetTokens(tokens);
    }

    /** Tokens each layer keeps on average, sinks and window included. */
    public int budget() {
        return budget;
    }

    /**
     * Compresses the cache to the budget. Nothing happens while no (layer, KV head) holds more than
     * the budget: a sequence shorter than the budget is not compressed.
     *
     * @param queries the observation window, recorded by the sequence that filled the cache
     * @return whether entries were dropped
     */
    public boolean compress(KvCache cache, QueryWindow queries) {
        return compress(cache, queries, null);
    }

    /**
     * Compresses the cache to the budget, as {@link #compress(KvCache, QueryWindow)}, for a method
     * that may keep whole sentences.
     *
     * @param sentences the sequence's sentences; needed by methods that {@linkplain
     *                  CompressionMethod#keepsWholeSentences keep whole sentences}, else may be {@code null}
     */
    public boolean compress(KvCache cache, QueryWindow queries, Sentences sentences) {
        int[][][] kept = selection(cache, queries, sentences);
        if (kept == null) {
            return false;
        }
        for (int layer = 0; layer < cache.layers(); layer++) {
            for (int head = 0; head < cache.kvHeads(); head++) {
                if (kept[layer][head] != null) {
                    cache.retain(layer, head, kept[layer][head]);
                }
            }
        }
        return true;
    }

    /**
     * The entries {@link #compress} would keep, leaving the cache as it is (to measure what an eviction
     * costs before making it).
     *
     * @param queries   the observation window, recorded by the sequence that filled the cache
     * @param sentences the sequence's sentences, for methods that keep whole sentences; else may be {@code null}
     * @return {@code [layer][kvHead]} increasing entry indices, {@code null} for a (layer, KV head)
     *         within its budget; {@code null} if the sequence is within the budget
     */
    public int[][][] selection(KvCache cache, QueryWindow queries, Sentences sentences) {
        int longest = 0;
        for (int layer = 0; layer < cache.layers(); layer++) {
            for (int head = 0; head < cache.kvHeads(); head++) {
                longest = Math.max(longest, cache.length(layer, head));
            }
        }
        if (longest <= budget) {
            return null;
        }
        int[] layerBudgets = method.layerBudgets(cache.layers(), budget, longest, options);
        int[][][] kept = new int[cache.layers()][cache.kvHeads()][];
        for (int layer = 0; layer < cache.layers(); layer++) {
            CompressionContext context = new CompressionContext(cache, queries, sentences, layer, options);
            float[][] scores = null;
            for (int head = 0; head < cache.kvHeads(); head++) {
                int length = cache.length(layer, head);
                if (length > layerBudgets[layer]) {
                    if (scores == null) {
                        scores = method.scores(context);
                    }
                    if (scores[head].length != context.candidates(head)) {
                        throw new IllegalStateException(options.method() + " scored " + scores[head].length
                                + " entries of layer " + layer + " head " + head + ", expected " + context.candidates(head));
                    }
                    int keep = layerBudgets[layer];
                    int h = head;
                    kept[layer][head] = method.keepsWholeSentences()
                            ? selectSentences(scores[head], length, keep, options.sinks(), options.window(), entry -> context.sentence(h, entry))
                            : select(scores[head], length, keep, options.sinks(), options.window());
                }
            }
        }
        return kept;
    }

    /**
     * The entries one KV head keeps, in increasing order: {@code 0 … sinks − 1}, the
     * {@code keep − sinks − window} highest-scoring entries between the sinks and the window (ties:
     * the earlier entry), and the last {@code window} entries.
     *
     * @param scores one score per entry before the window ({@code length − window} of them)
     * @param length entries held, more than {@code keep}
     * @param keep   entries to keep, at least {@code sinks + window}
     */
    static int[] select(float[] scores, int length, int keep, int sinks, int window) {
        int chosen = keep - sinks - window;
        // A stable sort by descending score leaves tied entries in increasing order.
        int[] middle = IntStream.range(sinks, length - window).boxed()
                .sorted(Comparator.comparingDouble(entry -> -scores[entry]))
                .limit(chosen)
                .mapToInt(Integer::intValue)
                .sorted()
                .toArray();
        int[] kept = new int[keep];
        for (int i = 0; i < sinks; i++) {
            kept[i] = i;
        }
        System.arraycopy(middle, 0, kept, sinks, chosen);
        for (int i = 0; i < window; i++) {
            kept[sinks + chosen + i] = length - window + i;
        }
        return kept;
    }

    /**
     * The entries one KV head keeps when it keeps whole sentences, in increasing order: the sinks, the
     * window, and between them whole sentences in decreasing score order (ties: the earlier sentence),
     * each taken if it still fits in {@code keep}. A sentence straddling the sinks or the window
     * counts only its entries between them.
     *
     * @param scores     one score per entry before the window, the same for every entry of a sentence
     * @param sentenceOf the sentence of an entry; entries of one sentence are consecutive
     */
    static int[] selectSentences(float[] scores, int length, int keep, int sinks, int window, IntUnaryOperator sentenceOf) {
        int end = length - window;
        return keepWholeSpans(sentenceSpans(sinks, end, sentenceOf), span -> scores[span[0]], length, keep, sinks, end);
    }

    /**
     * The runs of consecutive entries {@code from … to − 1} that belong to one sentence, in order, each
     * {@code {first, end, sentence}}.
     *
     * @param sentenceOf the sentence of an entry; entries of one sentence are consecutive
     */
    static List<int[]> sentenceSpans(int from, int to, IntUnaryOperator sentenceOf) {
        List<int[]> spans = new ArrayList<>();
        while (from < to) {
            int sentence = sentenceOf.applyAsInt(from);
            int end = from + 1;
            while (end < to && sentenceOf.applyAsInt(end) == sentence) {
                end++;
            }
            spans.add(new int[] {from, end, sentence});
            from = end;
        }
        return spans;
    }

    /**
     * Entries {@code 0 … sinks − 1}, {@code recent … length − 1}, and whole spans in decreasing score
     * order (ties: the earlier span), each taken if it still fits in {@code keep}; in increasing order.
     * Each span is scored once.
     */
    static int[] keepWholeSpans(List<int[]> spans, ToDoubleFunction<int[]> score, int length, int keep, int sinks, int recent) {
        double[] scores = spans.stream().mapToDouble(score).toArray();
        // A stable sort by descending score leaves tied spans in increasing order.
        Integer[] order = new Integer[scores.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingDouble(i -> -scores[i]));
        int room = keep - sinks - (length - recent);
        boolean[] kept = new boolean[length];
        Arrays.fill(kept, 0, sinks, true);
        Arrays.fill(kept, recent, length, true);
        for (int i : order) {
            int[] span = spans.get(i);
            int size = span[1] - span[0];
            if (size <= room) {
                Arrays.fill(kept, span[0], span[1], true);
                room -= size;
            }
        }
        return IntStream.range(0, length).filter(entry -> kept[entry]).toArray();
    }
}
