package dev.sift.engine.kv;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Each method on hand-built caches keeps exactly the entries its formula says: window attention with
 * the causal mask inside the window, GQA grouping, pooling, sinks and window, PyramidKV's budgets.
 */
class CompressorTest {

    /** One layer; key of entry i of KV head g is keys[g][i] (headDim = keys[g][i].length), position i. */
    private static ArrayKvCache cache(float[][][] keys) {
        int headDim = keys[0][0].length;
        ArrayKvCache cache = new ArrayKvCache(1, keys.length, headDim, 1024);
        for (int i = 0; i < keys[0].length; i++) {
            float[] k = new float[keys.length * headDim];
            for (int g = 0; g < keys.length; g++) {
                System.arraycopy(keys[g][i], 0, k, g * headDim, headDim);
            }
            cache.append(0, i, k, new float[keys.length * headDim]);
        }
        return cache;
    }

    /** The same queries ({@code [head][dim]}) recorded at each of the last {@code rows} positions of a {@code length}-token sequence. */
    private static QueryWindow window(float[][] perHead, int rows, int length) {
        int headDim = perHead[0].length;
        QueryWindow window = new QueryWindow(1, perHead.length, headDim, rows);
        float[] q = new float[perHead.length * headDim];
        for (int h = 0; h < perHead.length; h++) {
            System.arraycopy(perHead[h], 0, q, h * headDim, headDim);
        }
        for (int p = length - rows; p < length; p++) {
            window.record(0, p, q);
        }
        return window;
    }

    private static int[] positions(KvCache cache, int layer, int head) {
        return IntStream.range(0, cache.length(layer, head)).map(e -> cache.position(layer, head, e)).toArray();
    }

    private static float[][][] scalarKeys(double... logWeights) {
        float[][] keys = new float[logWeights.length][];
        for (int i = 0; i < logWeights.length; i++) {
            keys[i] = new float[]{(float) logWeights[i]};
        }
        return new float[][][]{keys};
    }

    @Test
    void windowAttentionIsTheMeanOfCausallyMaskedSoftmaxRows() {
        // headDim 1, query 1: the logit of entry i is its key. Rows at positions 4 and 5 (window 2).
        float[][][] keys = scalarKeys(0.5, 1.0, -1.0, 2.0, 0.0, 3.0);
        CompressionOptions options = CompressionOptions.of(CompressionMethodKind.SNAPKV, Budget.tokens(3))
                .withSinks(0).withWindow(2).withPooling(Pooling.AVERAGE, 1);
        CompressionContext context = new CompressionContext(cache(keys), window(new float[][]{{1f}}, 2, 6), null, 0, options);

        double[] k = {0.5, 1.0, -1.0, 2.0, 0.0, 3.0};
        // Row at position 4 must not see entry 5 (the causal mask inside the window); row 5 sees all.
        double row4 = 0;
        double row5 = 0;
        for (int j = 0; j < 6; j++) {
            row4 += j <= 4 ? Math.exp(k[j]) : 0;
            row5 += Math.exp(k[j]);
        }
        float[] scores = context.queryHeadScores()[0];
        assertThat(scores).hasSize(4);
        for (int i = 0; i < 4; i++) {
            double expected = (Math.exp(k[i]) / row4 + Math.exp(k[i]) / row5) / 2;
            assertThat(scores[i]).as("entry %d", i).isCloseTo((float) expected, within(1e-6f));
        }
    }

    @Test
    void gqaReducesOverTheConsecutiveQueryHeadsOfEachGroup() {
        // 2 KV heads, 4 query heads: heads 0,1 read KV head 0, heads 2,3 read KV head 1.
        // Head 1 looks for (1,0), found at entry 3 of KV head 0; head 2 looks for (0,1), at entry 5 of KV head 1.
        float[][][] keys = new float[2][8][2];
        keys[0][3] = new float[]{10, 0};
        keys[1][5] = new float[]{0, 10};
        float[][] queries = {{0, 0}, {1, 0}, {0, 1}, {0, 0}};
        ArrayKvCache cache = cache(keys);
        CompressionOptions options = CompressionOptions.of(CompressionMethodKind.SNAPKV, Budget.tokens(4))
                .withSinks(1).withWindow(2).withPooling(Pooling.AVERAGE, 1);

        assertThat(new Compressor(options, 8).compress(cache, window(queries, 2, 8))).isTrue();

        // Groups {0,1} and {2,3}. A strided reduction ({0,2} and {1,3}) would keep 5 for head 0 and 3 for head 1.
        assertThat(positions(cache, 0, 0)).containsExactly(0, 3, 6, 7);
        assertThat(positions(cache, 0, 1)).containsExactly(0, 5, 6, 7);
    }

    @Test
    void groupAggregationMeanAndMax() {
        float[][] perQueryHead = {{1, 0, 0}, {0, 0, 3}, {5, 5, 5}, {1, 0, 0}};
        assertThat(GroupAggregation.MEAN.reduce(perQueryHead, 0, 2)).containsExactly(0.5f, 0f, 1.5f);
        assertThat(GroupAggregation.MAX.reduce(perQueryHead, 0, 2)).containsExactly(1f, 0f, 3f);
        assertThat(GroupAggregation.MEAN.reduce(perQueryHead, 1, 2)).containsExactly(3f, 2.5f, 2.5f);
        assertThat(GroupAggregation.MAX.reduce(perQueryHead, 0, 4)).containsExactly(5f, 5f, 5f);
    }

    @Test
    void poolingAveragesWithZeroPaddingOrTakesTheMaximum() {
        float[] scores = {0, 3, 0, 0, 2, 2, 2, 0};
        assertThat(Pooling.AVERAGE.apply(scores, 3)).containsExactly(1f, 1f, 1f, 2f / 3, 4f / 3, 2f, 4f / 3, 2f / 3);
        assertThat(Pooling.MAX.apply(scores, 3)).containsExactly(3f, 3f, 3f, 2f, 2f, 2f, 2f, 2f);
        assertThat(Pooling.AVERAGE.apply(scores, 1)).containsExactly(scores);
    }

    @Test
    void poolingKeepsTheNeighbourhoodOfAClusterOverAnIsolatedPeak() {
        // Attention weights (keys are their logs): an isolated peak at 1, a cluster at 4..6, window 8..9.
        double[] weights = {1, 30, 1, 1, 20, 20, 20, 1, 1, 1};
        float[][][] keys = scalarKeys(Arrays.stream(weights).map(Math::log).toArray());
        CompressionOptions snap = CompressionOptions.of(CompressionMethodKind.SNAPKV, Budget.tokens(3))
                .withSinks(0).withWindow(2);

        ArrayKvCache unpooled = cache(keys);
        new Compressor(snap.withPooling(Pooling.AVERAGE, 1), 10).compress(unpooled, window(new float[][]{{1f}}, 2, 10));
        assertThat(positions(unpooled, 0, 0)).containsExactly(1, 8, 9);

        ArrayKvCache pooled = cache(keys);
        new Compressor(snap.withPooling(Pooling.AVERAGE, 3), 10).compress(pooled, window(new float[][]{{1f}}, 2, 10));
        assertThat(positions(pooled, 0, 0)).containsExactly(5, 8, 9);
    }

    @Test
    void sinksAndWindowAreKeptWhateverTheirScores() {
        // All the attention goes to entries 5 and 6; sinks 0..1 and window 10..11 score nothing.
        double[] weights = new double[12];
        Arrays.fill(weights, 1e-6);
        weights[5] = 1;
        weights[6] = 1;
        float[][][] keys = scalarKeys(Arrays.stream(weights).map(Math::log).toArray());
        ArrayKvCache cache = cache(keys);
        CompressionOptions options = CompressionOptions.of(CompressionMethodKind.SNAPKV, Budget.tokens(6))
                .withSinks(2).withWindow(2).withPooling(Pooling.AVERAGE, 1);
        new Compressor(options, 12).compress(cache, window(new float[][]{{1f}}, 2, 12));
        assertThat(positions(cache, 0, 0)).containsExactly(0, 1, 5, 6, 10, 11);
    }

    @Test
    void streamingKeepsSinksAndTheMostRecentTokens() {
        ArrayKvCache cache = cache(new float[2][20][2]);
        CompressionOptions options = CompressionOptions.of(CompressionMethodKind.STREAMING, Budget.tokens(10))
                .withSinks(4).withWindow(4);
        // StreamingLLM scores by position alone: no queries needed.
        new Compressor(options, 20).compress(cache, null);
        for (int head = 0; head < 2; head++) {
            assertThat(positions(cache, 0, head)).containsExactly(0, 1, 2, 3, 14, 15, 16, 17, 18, 19);
        }
    }

    @Test
    void aSequenceWithinTheBudgetIsLeftAlone() {
        ArrayKvCache cache = cache(new float[2][20][2]);
        long bytes = cache.allocatedBytes();
        CompressionOptions options = CompressionOptions.of(CompressionMethodKind.STREAMING, Budget.tokens(20))
                .withSinks(4).withWindow(4);
        assertThat(new Compressor(options, 20).compress(cache, null)).isFalse();
        assertThat(positions(cache, 0, 1)).isEqualTo(IntStream.range(0, 20).toArray());
        assertThat(cache.allocatedBytes()).isEqualTo(bytes);
    }

    @Test
    void pyramidBudgetsFollowTheLinearScheduleAndSumToTheUniformTotal() {
        PyramidKv pyramid = new PyramidKv();
        // F = 64 - 36 = 28: min 1.4, max 54.6, step 13.3 -> 54.6 41.3 28 14.7 1.4, rounded keeping the sum 140.
        assertThat(pyramid.layerBudgets(5, 64, 36, 240)).containsExactly(36 + 55, 36 + 41, 36 + 28, 36 + 15, 36 + 1);
        // Only 44 candidates: max is lowered to 44 and min raised to 2F - 44 = 12.
        assertThat(pyramid.layerBudgets(5, 64, 36, 80)).containsExactly(80, 72, 64, 56, 48);
        for (int layers : new int[]{1, 2, 5, 32}) {
            for (int budget : new int[]{36, 37, 64, 100, 512}) {
                for (int length : new int[]{budget + 1, 2 * budget, 4096}) {
                    int[] budgets = pyramid.layerBudgets(layers, budget, 36, length);
                    assertThat(Arrays.stream(budgets).sum()).as("sum %d/%d/%d", layers, budget, length).isEqualTo(layers * budget);
                    for (int l = 0; l < layers; l++) {
                        assertThat(budgets[l]).isBetween(36, length);
                        if (l > 0) {
                            assertThat(budgets[l]).isLessThanOrEqualTo(budgets[l - 1]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void pyramidKvKeepsItsScheduleInEveryLayer() {
        int layers = 5;
        ArrayKvCache cache = new ArrayKvCache(layers, 2, 2, 1024);
        QueryWindow queries = new QueryWindow(layers, 4, 2, 32);
        Random random = new Random(1);
        for (int p = 0; p < 240; p++) {
            float[] k = new float[4];
            float[] q = new float[8];
            for (int i = 0; i < k.length; i++) {
                k[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < q.length; i++) {
                q[i] = (float) random.nextGaussian();
            }
            for (int l = 0; l < layers; l++) {
                cache.append(l, p, k, k);
                queries.record(l, p, q);
            }
        }
        new Compressor(CompressionOptions.of(CompressionMethodKind.PYRAMIDKV, Budget.tokens(64)), 240).compress(cache, queries);
        int[] expected = {91, 77, 64, 51, 37};
        for (int l = 0; l < layers; l++) {
            for (int head = 0; head < 2; head++) {
                int[] kept = positions(cache, l, head);
                assertThat(kept).hasSize(expected[l]);
                assertThat(Arrays.copyOf(kept, 4)).containsExactly(0, 1, 2, 3);
                assertThat(Arrays.copyOfRange(kept, kept.length - 32, kept.length)).isEqualTo(IntStream.range(208, 240).toArray());
            }
        }
    }

    @Test
    void memoryHeldAfterCompressionIsKeptTokensTimesLayersHeadsHeadDimTwoFloats() {
        int layers = 3;
        int kvHeads = 2;
        int headDim = 4;
        ArrayKvCache cache = new ArrayKvCache(layers, kvHeads, headDim, 1024);
        float[] kv = new float[kvHeads * headDim];
        for (int p = 0; p < 100; p++) {
            for (int l = 0; l < layers; l++) {
                cache.append(l, p, kv, kv);
            }
        }
        assertThat(cache.keyValueBytes()).isGreaterThan(100L * layers * kvHeads * headDim * 2 * Float.BYTES);

        new Compressor(CompressionOptions.of(CompressionMethodKind.STREAMING, Budget.tokens(40)), 100).compress(cache, null);

        long expected = 40L * layers * kvHeads * headDim * 2 * Float.BYTES;
        assertThat(cache.keyValueBytes()).isEqualTo(expected);
        assertThat(cache.allocatedBytes()).isEqualTo(expected + 40L * layers * kvHeads * Integer.BYTES);
    }

    @Test
    void aShareBudgetIsTakenOfTheTokensHeldAndNeverBelowSinksPlusWindow() {
        CompressionOptions options = CompressionOptions.of(CompressionMethodKind.SNAPKV, Budget.parse("25%"));
        assertThat(new Compressor(options, 240).budget()).isEqualTo(60);
        assertThat(new Compressor(options, 100).budget()).isEqualTo(36);
    }
}
