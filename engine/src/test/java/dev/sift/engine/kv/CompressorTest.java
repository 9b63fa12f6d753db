package dev.sift.engine.kv;

import dev.sift.engine.model.ModelIdentity;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Each method on hand-built caches keeps exactly the entries its formula says: window attention with
 * the causal mask inside the window, GQA grouping, pooling, sinks and window, PyramidKV's and SRH's
 * budgets, SRH's choice by retrieval heads.
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
        CompressionOptions reserving36 = CompressionOptions.NONE;
        // F = 64 - 36 = 28: min 1.4, max 54.6, step 13.3 -> 54.6 41.3 28 14.7 1.4, rounded keeping the sum 140.
        assertThat(pyramid.layerBudgets(5, 64, 240, reserving36)).containsExactly(36 + 55, 36 + 41, 36 + 28, 36 + 15, 36 + 1);
        // Only 44 candidates: max is lowered to 44 and min raised to 2F - 44 = 12.
        assertThat(pyramid.layerBudgets(5, 64, 80, reserving36)).containsExactly(80, 72, 64, 56, 48);
        for (int layers : new int[]{1, 2, 5, 32}) {
            for (int budget : new int[]{36, 37, 64, 100, 512}) {
                for (int length : new int[]{budget + 1, 2 * budget, 4096}) {
                    int[] budgets = pyramid.layerBudgets(layers, budget, length, reserving36);
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

    /** A profile for a model of {@code rankings.length} layers: each ranking lists every query head, best first. */
    private static SrhProfile profile(int topHeads, double[] errors, int[]... rankings) {
        List<SrhProfile.Layer> layers = new ArrayList<>();
        for (int l = 0; l < rankings.length; l++) {
            List<SrhProfile.HeadScore> heads = new ArrayList<>();
            for (int rank = 0; rank < rankings[l].length; rank++) {
                heads.add(new SrhProfile.HeadScore(rankings[l][rank], rankings[l].length - rank));
            }
            layers.add(new SrhProfile.Layer(heads, errors[l]));
        }
        ModelIdentity model = new ModelIdentity("test", "llama", rankings.length, rankings[0].length, 2, 2, "00");
        SrhProfile.Calibration calibration = new SrhProfile.Calibration("semantic", List.of("A is B."), List.of(64),
                List.of(100), 1, 1, 0.5, 64, 16, 4, 32, "average", 5);
        return new SrhProfile(model, topHeads, layers, calibration);
    }

    /**
     * 2 KV heads, 4 query heads. Head 0 finds entry 3 of KV head 0 (logit 8); head 2 finds entry 5 of KV
     * head 1, a little more sharply (logit 10); heads 1 and 3 attend evenly. Budget: 1 sink, 2 window, 1 more.
     */
    private static int[][] srhKeeps(CompressionMethodKind method, SrhProfile profile) {
        float[][][] keys = new float[2][8][2];
        keys[0][3] = new float[]{8, 0};
        keys[1][5] = new float[]{0, 10};
        float[][] queries = {{1, 0}, {0, 0}, {0, 1}, {0, 0}};
        ArrayKvCache cache = cache(keys);
        CompressionOptions options = CompressionOptions.of(method, Budget.tokens(4)).withSinks(1).withWindow(2)
                .withPooling(Pooling.AVERAGE, 1).withProfile(profile);
        new Compressor(options, 8).compress(cache, window(queries, 2, 8));
        return new int[][]{positions(cache, 0, 0), positions(cache, 0, 1)};
    }

    @Test
    void srhKeepsWhatTheLayersRetrievalHeadsAttendToInEveryKvHead() {
        double[] oneLayer = {1};
        // Head 0 is the only retrieval head: its token wins in both KV heads, though head 2 attends more sharply.
        assertThat(srhKeeps(CompressionMethodKind.SRH, profile(1, oneLayer, new int[]{0, 1, 2, 3})))
                .isDeepEqualTo(new int[][]{{0, 3, 6, 7}, {0, 3, 6, 7}});
        // Heads 2 and 0 vote: the mean is highest at entry 5, kept by both KV heads.
        assertThat(srhKeeps(CompressionMethodKind.SRH, profile(2, oneLayer, new int[]{2, 0, 1, 3})))
                .isDeepEqualTo(new int[][]{{0, 5, 6, 7}, {0, 5, 6, 7}});
        // Per KV head, each group follows its own retrieval head.
        assertThat(srhKeeps(CompressionMethodKind.SRH_KVHEAD, profile(2, oneLayer, new int[]{2, 0, 1, 3})))
                .isDeepEqualTo(new int[][]{{0, 3, 6, 7}, {0, 5, 6, 7}});
        // A group without a retrieval head among the top ones (KV head 0 here) follows the layer's vote.
        assertThat(srhKeeps(CompressionMethodKind.SRH_KVHEAD, profile(1, oneLayer, new int[]{2, 0, 1, 3})))
                .isDeepEqualTo(new int[][]{{0, 5, 6, 7}, {0, 5, 6, 7}});
        // Without a profile every head votes.
        assertThat(srhKeeps(CompressionMethodKind.SRH, null)).isDeepEqualTo(new int[][]{{0, 5, 6, 7}, {0, 5, 6, 7}});
    }

    @Test
    void srhBudgetsFollowTheProfilesLayerErrorsAndSumToTheUniformTotal() {
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
        int[] ranking = {3, 1, 0, 2};
        SrhProfile profile = profile(4, new double[]{0.4, 0.1, 0.1, 0.1, 0.3}, ranking, ranking, ranking, ranking, ranking);
        CompressionOptions srh = CompressionOptions.of(CompressionMethodKind.SRH, Budget.tokens(64)).withProfile(profile);
        // Every layer keeps the 36 sinks and window tokens (more than the paper's floor of 32); the other
        // 5 × 64 - 5 × 36 = 140 go 40% / 10% / 10% / 10% / 30%.
        assertThat(new Srh(Srh.Selection.LAYER, true).layerBudgets(layers, 64, 240, srh)).containsExactly(92, 50, 50, 50, 78);
        assertThat(new Srh(Srh.Selection.LAYER, false).layerBudgets(layers, 64, 240, srh)).containsOnly(64);
        // The ceiling is 3 × the average, and never more than a layer holds (80 here): layers 0 and 4 are held
        // there, and the rest is shared evenly by the layers of equal error (53.3 each).
        assertThat(new Srh(Srh.Selection.LAYER, true).layerBudgets(layers, 64, 80, srh)).containsExactly(80, 54, 53, 53, 80);

        new Compressor(srh, 240).compress(cache, queries);
        int[] expected = {92, 50, 50, 50, 78};
        for (int l = 0; l < layers; l++) {
            assertThat(positions(cache, l, 0)).hasSize(expected[l]).isEqualTo(positions(cache, l, 1));
            assertThat(Arrays.copyOf(positions(cache, l, 0), 4)).containsExactly(0, 1, 2, 3);
        }
    }

    @Test
    void aProfileForAModelOfAnotherShapeIsRefused() {
        SrhProfile threeLayers = profile(1, new double[]{1, 1, 1}, new int[]{0, 1, 2, 3}, new int[]{0, 1, 2, 3},
                new int[]{0, 1, 2, 3});
        CompressionOptions options = CompressionOptions.of(CompressionMethodKind.SRH, Budget.tokens(40)).withProfile(threeLayers);
        assertThatThrownBy(() -> new Compressor(options, 100).compress(cache(new float[2][100][2]),
                window(new float[4][2], 32, 100)))
                .hasMessage("the SRH profile is for a model with 3 layers, this one has 1");
    }
}
