package dev.sift.engine.model;

import dev.sift.engine.backend.CpuKernels;
import dev.sift.engine.kv.ArrayKvCache;
import dev.sift.engine.kv.KvCache;
import dev.sift.engine.kv.KvPrecision;
import dev.sift.engine.kv.QueryWindow;
import dev.sift.engine.tensor.Tensor;

/**
 * A Llama-family decoder: token embedding, {@code layers} blocks of RMSNorm, grouped-query attention
 * with RoPE and a SwiGLU feed-forward network, final RMSNorm and the output projection (tied to the
 * embedding when the file has no {@code output.weight}).
 *
 * <p>The family's variants are configuration, not subclasses: Qwen2 adds biases to the query, key
 * and value projections, Qwen3 RMS-normalises each query and key head before RoPE, Qwen uses the
 * NeoX RoPE layout, and Llama 3 divides RoPE frequencies by the factors in {@code rope_freqs.weight}.
 *
 * <p>This is the CPU backend: weights are read in place from the memory-mapped file and never
 * change, so one model serves any number of sequences at once; each sequence owns its activations
 * and its {@link KvCache}.
 */
public final class LlamaModel implements Decoder {

    /**
     * The most prompt tokens evaluated in one pass. A batch's activations take
     * {@code BATCH × (3 dim + 2 q dim + 2 kv dim + 2 ffn dim)} floats (8 MB for a 1B model), and the
     * slice of a batch's activations that the batched matmul keeps hot fits a level-2 cache.
     */
    static final int BATCH = 64;

    /** Each worker's keys of one KV head, read row after row before {@link CpuKernels#transpose}. */
    private static final ThreadLocal<float[]> KEY_ROWS = ThreadLocal.withInitial(() -> new float[0]);

    private final ModelConfig config;
    private final CpuKernels kernels;
    private final Tensor tokenEmbedding;
    private final Tensor outputNorm;
    private final Tensor output;
    private final LlamaWeights.Layer[] layers;
    private final double[] ropeFrequencies;
    private final KvPrecision kvPrecision;

    /** A model computing on the CPU with {@code kernels}, which it then owns, with float32 KV caches. */
    public LlamaModel(LlamaWeights weights, ModelConfig config, CpuKernels kernels) {
        this(weights, config, kernels, KvPrecision.F32);
    }

    /** A model computing on the CPU with {@code kernels}, which it then owns, with KV caches in {@code kvPrecision}. */
    public LlamaModel(LlamaWeights weights, ModelConfig config, CpuKernels kernels, KvPrecision kvPrecision) {
        this.config = config;
        this.kernels = kernels;
        this.kvPrecision = kvPrecision;
        this.tokenEmbedding = weights.tokenEmbedding();
        this.outputNorm = weights.outputNorm();
        this.output = weights.output();
        this.layers = weights.layers();
        this.ropeFrequencies = weights.ropeFrequencies();
    }

    public ModelConfig config() {
        return config;
    }

    @Override
    public DecoderSequence newSequence(int capacity) {
        ArrayKvCache cache = new ArrayKvCache(config.layers(), config.kvHeads(), config.headDim(), capacity, kvPrecision);
        State state = new State(config);
        return new DecoderSequence() {
            @Override
            public float[] forward(int token, int position) {
                state.token[0] = token;
                LlamaModel.this.forward(state, cache, state.token, 0, 1, position, false);
                return state.logits;
            }

            @Override
            public float[] forward(int[] tokens, int from, int to, int position) {
                if (from < 0 || to > tokens.length || from >= to) {
                    throw new IllegalArgumentException("no tokens to evaluate in [" + from + ", " + to + ") of "
                            + tokens.length);
                }
                for (int start = from; start < to; start += BATCH) {
                    int count = Math.min(BATCH, to - start);
                    LlamaModel.this.forward(state, cache, tokens, start, count, position + start - from, true);
                }
                return state.logits;
            }

            @Override
            public int batchSize() {
                return BATCH;
            }

            @Override
            public KvCache kvCache() {
                return cache;
            }

            @Override
            public QueryWindow recordQueries(int window) {
                if (state.queries == null || state.queries.window() < window) {
                    state.queries = new QueryWindow(config.layers(), config.heads(), config.headDim(), window);
                }
                return state.queries;
            }

            @Override
            public void close() {
                cache.release();
            }
        };
    }

    @Override
    public String backendName() {
        return "cpu (" + kernels.threads() + " threads, " + kvPrecision + " KV cache)";
    }

    @Override
    public void close() {
        kernels.close();
    }

    /**
     * Runs {@code tokens[from .. from+count)} through the network at positions {@code position ..},
     * appending their keys and values to {@code cache} in position order, and leaves the logits after
     * the last of them in {@link State#logits}. Every weight matrix is multiplied with the whole batch
     * at once (a matrix-vector product for one token), so a prompt reads the weights once per batch
     * rather than once per token; only the last token's logits are computed, which is all a prompt needs.
     *
     * <p>Prompt tokens ({@code prompt}) always go through the batched product, even one alone, and
     * a decoded token through the matrix-vector kernels: the batched product gives every token the
     * same sums whatever batch it is in, so a prompt fed in any chunks leaves the same cache.
     */
    private void forward(State s, KvCache cache, int[] tokens, int from, int count, int position, boolean prompt) {
        ModelConfig c = config;
        int dim = c.dim();
        int qDim = c.heads() * c.headDim();
        int kvDim = c.kvHeads() * c.headDim();
        Activations a = s.activations(count);
        for (int t = 0; t < count; t++) {
            tokenEmbedding.dequantize((long) tokens[from + t] * dim, a.x, t * dim, dim);
            ropeAngles(a, t, position + t);
        }

        for (int l = 0; l < c.layers(); l++) {
            LlamaWeights.Layer layer = layers[l];

            // Attention block.
            for (int t = 0; t < count; t++) {
                CpuKernels.rmsNorm(a.xb, t * dim, a.x, t * dim, layer.attentionNorm(), dim, c.rmsEpsilon());
            }
            matmul(a.q, layer.wq(), a.xb, qDim, dim, count, prompt);
            matmul(a.k, layer.wk(), a.xb, kvDim, dim, count, prompt);
            matmul(a.v, layer.wv(), a.xb, kvDim, dim, count, prompt);
            for (int t = 0; t < count; t++) {
                addBias(a.q, t * qDim, layer.qBias());
                addBias(a.k, t * kvDim, layer.kBias());
                addBias(a.v, t * kvDim, layer.vBias());
                normalizeHeads(a.q, t * qDim, c.heads(), layer.qNorm());
                normalizeHeads(a.k, t * kvDim, c.kvHeads(), layer.kNorm());
                rope(a.q, t * qDim, c.heads(), a, t);
                rope(a.k, t * kvDim, c.kvHeads(), a, t);
                if (s.queries != null) {
                    s.queries.record(l, position + t, a.q, t * qDim);
                }
                // The cache takes one token's keys and values from the start of an array.
                System.arraycopy(a.k, t * kvDim, s.key, 0, kvDim);
                System.arraycopy(a.v, t * kvDim, s.value, 0, kvDim);
                cache.append(l, position + t, s.key, s.value);
            }
            attention(a, cache, l, count, prompt);
            matmul(a.xb2, layer.wo(), a.attentionOut, dim, qDim, count, prompt);
            CpuKernels.add(a.x, a.xb2, count * dim);

            // Feed-forward block.
            for (int t = 0; t < count; t++) {
                CpuKernels.rmsNorm(a.xb, t * dim, a.x, t * dim, layer.ffnNorm(), dim, c.rmsEpsilon());
            }
            matmul(a.hb, layer.gate(), a.xb, c.ffnDim(), dim, count, prompt);
            matmul(a.hb2, layer.up(), a.xb, c.ffnDim(), dim, count, prompt);
            CpuKernels.swiglu(a.hb, a.hb2, count * c.ffnDim());
            matmul(a.xb2, layer.down(), a.hb, dim, c.ffnDim(), count, prompt);
            CpuKernels.add(a.x, a.xb2, count * dim);
        }

        int last = (count - 1) * dim;
        CpuKernels.rmsNorm(a.x, last, a.x, last, outputNorm, dim, c.rmsEpsilon());
        System.arraycopy(a.x, last, a.xb, 0, dim);
        kernels.matmul(s.logits, output, a.xb, c.vocabularySize(), dim);
    }

    /** {@code W · x} for {@code count} tokens, by the kernel {@link #forward} explains. */
    private void matmul(float[] out, Tensor weights, float[] x, int rows, int cols, int count, boolean prompt) {
        if (prompt) {
            kernels.matmul(out, weights, x, rows, cols, count);
        } else {
            kernels.matmul(out, weights, x, rows, cols);
        }
    }

    private static void addBias(float[] x, int offset, Tensor bias) {
        if (bias != null) {
            for (int i = 0; i < bias.size(); i++) {
                x[offset + i] += bias.get(i);
            }
        }
    }

    /** Qwen3's per-head RMSNorm of queries and keys (no-op when the model has none). */
    private void normalizeHeads(float[] vectors, int offset, int heads, Tensor norm) {
        if (norm == null) {
            return;
        }
        int headDim = config.headDim();
        for (int h = 0; h < heads; h++) {
            int at = offset + h * headDim;
            CpuKernels.rmsNorm(vectors, at, vectors, at, norm, headDim, config.rmsEpsilon());
        }
    }

    /** The cosine and sine of {@code position * frequency(i)} for every rotated pair, for batch token {@code t}. */
    private void ropeAngles(Activations a, int t, int position) {
        int half = ropeFrequencies.length;
        double scaledPosition = (double) position * config.ropeScale();
        for (int i = 0; i < half; i++) {
            double angle = scaledPosition * ropeFrequencies[i];
            a.cos[t * half + i] = (float) Math.cos(angle);
            a.sin[t * half + i] = (float) Math.sin(angle);
        }
    }

    /**
     * Rotates pair {@code i} of each head of batch token {@code t} by its angle (see {@link #ropeAngles});
     * the pair is {@code (2i, 2i+1)} in the interleaved layout and {@code (i, i + ropeDim/2)} in NeoX's.
     */
    private void rope(float[] vectors, int offset, int heads, Activations a, int t) {
        int headDim = config.headDim();
        int half = ropeFrequencies.length;
        boolean neox = config.ropeLayout() == RopeLayout.NEOX;
        for (int i = 0; i < half; i++) {
            float cos = a.cos[t * half + i];
            float sin = a.sin[t * half + i];
            for (int h = 0; h < heads; h++) {
                int j = offset + h * headDim + (neox ? i : 2 * i);
                int k = neox ? j + half : j + 1;
                float x = vectors[j];
                float y = vectors[k];
                vectors[j] = x * cos - y * sin;
                vectors[k] = x * sin + y * cos;
            }
        }
    }

    /**
     * Causal scaled dot-product attention of the batch's queries over the cache, which already holds
     * the batch's own keys and values as its last {@code count} entries of every KV head: token
     * {@code t} sees every entry before the batch and the batch's first {@code t + 1}. Query head
     * {@code h} reads KV head {@code h / groupSize}; a task takes several query heads of one KV head,
     * so that a cache that converts its keys and values (F16) converts them once for all of them, and
     * as few heads per task as still gives every thread two tasks.
     *
     * <p>Prompt tokens ({@code prompt}) read the KV head's keys once per batch, transposed, and get
     * their scores from {@link CpuKernels#keyScores}, 16 entries per vector with no lanes added
     * across; a decoded token's scores are the cache's own key dots. Like the batched matrix
     * product, the prompt path gives a token the same scores whatever batch it is in.
     */
    private void attention(Activations a, KvCache cache, int layer, int count, boolean prompt) {
        int headDim = config.headDim();
        int heads = config.heads();
        int groupSize = config.groupSize();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int longest = 0;
        for (int g = 0; g < config.kvHeads(); g++) {
            longest = Math.max(longest, cache.length(layer, g));
        }
        a.ensureScoresCapacity(CpuKernels.wholeVectors(longest));
        int headsPerTask = Math.clamp(heads / (2 * kernels.threads()), 1,
                Math.min(groupSize, CpuKernels.KEY_SCORE_QUERIES));
        int tasksPerGroup = (groupSize + headsPerTask - 1) / headsPerTask;
        kernels.parallelFor(config.kvHeads() * tasksPerGroup, task -> {
            int kvHead = task / tasksPerGroup;
            int first = kvHead * groupSize + task % tasksPerGroup * headsPerTask;
            int queries = Math.min(headsPerTask, (kvHead + 1) * groupSize - first);
            int entries = cache.length(layer, kvHead);
            int before = entries - count;
            float[] keys = prompt ? transposedKeys(cache, layer, kvHead, entries) : null;
            int stride = CpuKernels.wholeVectors(entries);
            for (int t = 0; t < count; t++) {
                int n = before + t + 1;
                int at = (t * heads + first) * headDim;
                if (prompt) {
                    CpuKernels.keyScores(keys, stride, headDim, n, a.q, at, queries, a.scores, first);
                } else {
                    cache.keyDots(layer, kvHead, n, a.q, at, queries, a.scores, first);
                }
                for (int h = first; h < first + queries; h++) {
                    CpuKernels.scale(a.scores[h], n, scale);
                    CpuKernels.softmax(a.scores[h], n);
                }
                cache.weightedValues(layer, kvHead, n, a.scores, first, queries, a.attentionOut, at);
            }
        });
    }

    /**
     * The first {@code entries} keys of a KV head, transposed by {@link CpuKernels#transpose}:
     * {@code keys[d * stride + e]}, the stride {@code entries} rounded up to whole vectors.
     */
    private float[] transposedKeys(KvCache cache, int layer, int kvHead, int entries) {
        int headDim = config.headDim();
        float[] rows = KEY_ROWS.get();
        if (rows.length < entries * headDim) {
            rows = new float[entries * headDim];
            KEY_ROWS.set(rows);
        }
        for (int e = 0; e < entries; e++) {
            cache.readKey(layer, kvHead, e, rows, e * headDim);
        }
        return CpuKernels.transpose(rows, headDim, entries);
    }

    /** What a sequence keeps from call to call. */
    private static final class State {
        /** The token of a one-token {@link #forward}. */
        final int[] token = new int[1];
        /** One token's keys and values, as the cache takes them. */
        final float[] key;
        final float[] value;
        /** Next-token logits after {@link #forward}. */
        final float[] logits;
        /** The queries kept for KV-cache compression; {@code null} until the sequence is asked to record them. */
        QueryWindow queries;
        private final ModelConfig config;
        private Activations activations;

        private State(ModelConfig c) {
            config = c;
            key = new float[c.kvHeads() * c.headDim()];
            value = new float[c.kvHeads() * c.headDim()];
            logits = new float[c.vocabularySize()];
        }

        /** Activations for at least {@code count} tokens: one token's until a prompt batch needs more. */
        Activations activations(int count) {
            if (activations == null || activations.capacity < count) {
                activations = new Activations(config, count == 1 ? 1 : BATCH);
            }
            return activations;
        }
    }

    /** The activations of up to {@code capacity} tokens, token after token in each array. */
    private static final class Activations {
        final int capacity;
        final float[] x;
        final float[] xb;
        final float[] xb2;
        final float[] q;
        final float[] k;
        final float[] v;
        final float[] attentionOut;
        final float[] hb;
        final float[] hb2;
        /** RoPE's cosine and sine per token and rotated pair. */
        final float[] cos;
        final float[] sin;
        /** Attention scores per query head, long enough for the longest KV head. */
        final float[][] scores;

        private Activations(ModelConfig c, int capacity) {
            this.capacity = capacity;
            x = new float[capacity * c.dim()];
            xb = new float[capacity * c.dim()];
            xb2 = new float[capacity * c.dim()];
            q = new float[capacity * c.heads() * c.headDim()];
            k = new float[capacity * c.kvHeads() * c.headDim()];
            v = new float[capacity * c.kvHeads() * c.headDim()];
            attentionOut = new float[capacity * c.heads() * c.headDim()];
            hb = new float[capacity * c.ffnDim()];
            hb2 = new float[capacity * c.ffnDim()];
            cos = new float[capacity * c.ropeDim() / 2];
            sin = new float[capacity * c.ropeDim() / 2];
            scores = new float[c.heads()][0];
        }

        private void ensureScoresCapacity(int entries) {
            for (int h = 0; h < scores.length; h++) {
                if (scores[h].length < entries) {
                    scores[h] = new float[Math.max(entries, scores[h].length * 2)];
                }
            }
        }
    }
}
