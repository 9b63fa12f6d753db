package dev.sift.engine.model;

import dev.sift.engine.backend.CpuKernels;
import dev.sift.engine.kv.ArrayKvCache;
import dev.sift.engine.kv.KvCache;
import dev.sift.engine.kv.QueryWindow;
import dev.sift.engine.tensor.Tensor;

import java.util.Arrays;

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

    private final ModelConfig config;
    private final CpuKernels kernels;
    private final Tensor tokenEmbedding;
    private final Tensor outputNorm;
    private final Tensor output;
    private final LlamaWeights.Layer[] layers;
    private final double[] ropeFrequencies;

    /** A model computing on the CPU with {@code kernels}, which it then owns. */
    public LlamaModel(LlamaWeights weights, ModelConfig config, CpuKernels kernels) {
        this.config = config;
        this.kernels = kernels;
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
        ArrayKvCache cache = new ArrayKvCache(config.layers(), config.kvHeads(), config.headDim(), capacity);
        State state = new State(config);
        return new DecoderSequence() {
            @Override
            public float[] forward(int token, int position) {
                LlamaModel.this.forward(state, cache, token, position);
                return state.logits;
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
        return "cpu (" + kernels.threads() + " threads)";
    }

    @Override
    public void close() {
        kernels.close();
    }

    /**
     * Runs one token through the network at {@code position}, appending its keys and values to
     * {@code cache}, and leaves the next-token logits in {@link State#logits}.
     */
    private void forward(State s, KvCache cache, int token, int position) {
        ModelConfig c = config;
        int dim = c.dim();
        tokenEmbedding.dequantize((long) token * dim, s.x, 0, dim);

        for (int l = 0; l < c.layers(); l++) {
            LlamaWeights.Layer layer = layers[l];

            // Attention block.
            CpuKernels.rmsNorm(s.xb, s.x, layer.attentionNorm(), dim, c.rmsEpsilon());
            kernels.matmul(s.q, layer.wq(), s.xb, c.heads() * c.headDim(), dim);
            kernels.matmul(s.k, layer.wk(), s.xb, c.kvHeads() * c.headDim(), dim);
            kernels.matmul(s.v, layer.wv(), s.xb, c.kvHeads() * c.headDim(), dim);
            addBias(s.q, layer.qBias());
            addBias(s.k, layer.kBias());
            addBias(s.v, layer.vBias());
            normalizeHeads(s.q, c.heads(), layer.qNorm());
            normalizeHeads(s.k, c.kvHeads(), layer.kNorm());
            rope(s.q, c.heads(), position);
            rope(s.k, c.kvHeads(), position);
            if (s.queries != null) {
                s.queries.record(l, position, s.q);
            }
            cache.append(l, position, s.k, s.v);
            attention(s, cache, l);
            kernels.matmul(s.xb2, layer.wo(), s.attentionOut, dim, c.heads() * c.headDim());
            CpuKernels.add(s.x, s.xb2, dim);

            // Feed-forward block.
            CpuKernels.rmsNorm(s.xb, s.x, layer.ffnNorm(), dim, c.rmsEpsilon());
            kernels.matmul(s.hb, layer.gate(), s.xb, c.ffnDim(), dim);
            kernels.matmul(s.hb2, layer.up(), s.xb, c.ffnDim(), dim);
            CpuKernels.swiglu(s.hb, s.hb2, c.ffnDim());
            kernels.matmul(s.xb2, layer.down(), s.hb, dim, c.ffnDim());
            CpuKernels.add(s.x, s.xb2, dim);
        }

        CpuKernels.rmsNorm(s.x, s.x, outputNorm, dim, c.rmsEpsilon());
        kernels.matmul(s.logits, output, s.x, c.vocabularySize(), dim);
    }

    private static void addBias(float[] x, Tensor bias) {
        if (bias != null) {
            for (int i = 0; i < x.length; i++) {
                x[i] += bias.get(i);
            }
        }
    }

    /** Qwen3's per-head RMSNorm of queries and keys (no-op when the model has none). */
    private void normalizeHeads(float[] vectors, int heads, Tensor norm) {
        if (norm == null) {
            return;
        }
        int headDim = config.headDim();
        float[] head = new float[headDim];
        for (int h = 0; h < heads; h++) {
            System.arraycopy(vectors, h * headDim, head, 0, headDim);
            CpuKernels.rmsNorm(head, head, norm, headDim, config.rmsEpsilon());
            System.arraycopy(head, 0, vectors, h * headDim, headDim);
        }
    }

    /**
     * Rotates pair {@code i} of each head by {@code position * frequency(i)}; the pair is
     * {@code (2i, 2i+1)} in the interleaved layout and {@code (i, i + ropeDim/2)} in NeoX's.
     */
    private void rope(float[] vectors, int heads, int position) {
        int headDim = config.headDim();
        int half = ropeFrequencies.length;
        boolean neox = config.ropeLayout() == RopeLayout.NEOX;
        double scaledPosition = (double) position * config.ropeScale();
        for (int i = 0; i < half; i++) {
            double angle = scaledPosition * ropeFrequencies[i];
            float cos = (float) Math.cos(angle);
            float sin = (float) Math.sin(angle);
            for (int h = 0; h < heads; h++) {
                int j = h * headDim + (neox ? i : 2 * i);
                int k = neox ? j + half : j + 1;
                float a = vectors[j];
                float b = vectors[k];
                vectors[j] = a * cos - b * sin;
                vectors[k] = a * sin + b * cos;
            }
        }
    }

    /**
     * Scaled dot-product attention of every query head over the entries its KV head keeps. Query
     * head {@code h} reads KV head {@code h / groupSize}.
     */
    private void attention(State s, KvCache cache, int layer) {
        int headDim = config.headDim();
        int groupSize = config.groupSize();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int longest = 0;
        for (int g = 0; g < config.kvHeads(); g++) {
            longest = Math.max(longest, cache.length(layer, g));
        }
        s.ensureAttentionCapacity(longest);
        kernels.parallelFor(config.heads(), h -> {
            int kvHead = h / groupSize;
            int n = cache.length(layer, kvHead);
            float[] scores = s.scores[h];
            int queryOffset = h * headDim;
            for (int t = 0; t < n; t++) {
                scores[t] = cache.keyDot(layer, kvHead, t, s.q, queryOffset) * scale;
            }
            CpuKernels.softmax(scores, n);
            Arrays.fill(s.attentionOut, queryOffset, queryOffset + headDim, 0f);
            for (int t = 0; t < n; t++) {
                cache.addWeightedValue(layer, kvHead, t, scores[t], s.attentionOut, queryOffset);
            }
        });
    }

    /** Activations of one sequence; reused from token to token. */
    private static final class State {
        final float[] x;
        final float[] xb;
        final float[] xb2;
        final float[] q;
        final float[] k;
        final float[] v;
        final float[] attentionOut;
        final float[] hb;
        final float[] hb2;
        final float[][] scores;
        /** Next-token logits after {@link #forward}. */
        final float[] logits;
        /** The queries kept for KV-cache compression; {@code null} until the sequence is asked to record them. */
        QueryWindow queries;

        private State(ModelConfig c) {
            x = new float[c.dim()];
            xb = new float[c.dim()];
            xb2 = new float[c.dim()];
            q = new float[c.heads() * c.headDim()];
            k = new float[c.kvHeads() * c.headDim()];
            v = new float[c.kvHeads() * c.headDim()];
            attentionOut = new float[c.heads() * c.headDim()];
            hb = new float[c.ffnDim()];
            hb2 = new float[c.ffnDim()];
            scores = new float[c.heads()][0];
            logits = new float[c.vocabularySize()];
        }

        private void ensureAttentionCapacity(int entries) {
            for (int h = 0; h < scores.length; h++) {
                if (scores[h].length < entries) {
                    scores[h] = new float[Math.max(entries, scores[h].length * 2)];
                }
            }
        }
    }
}
