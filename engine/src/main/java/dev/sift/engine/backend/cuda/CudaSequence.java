package dev.sift.engine.backend.cuda;

import dev.sift.engine.kv.KvCache;
import dev.sift.engine.kv.QueryWindow;
import dev.sift.engine.model.DecoderSequence;
import dev.sift.engine.model.ModelConfig;
import dev.sift.engine.model.RopeLayout;
import jcuda.Pointer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One sequence on the GPU: its activations and {@link CudaKvCache} in device memory. The forward
 * pass is {@code LlamaModel}'s, kernel for kernel; only the logits come back to the host.
 */
final class CudaSequence implements DecoderSequence {

    private final ModelConfig config;
    private final CudaContext context;
    private final CudaKernels kernels;
    private final CudaWeights weights;
    private final List<DeviceBuffer> buffers = new ArrayList<>();
    private final CudaKvCache cache;
    private final DeviceBuffer x;
    private final DeviceBuffer xb;
    private final DeviceBuffer q;
    private final DeviceBuffer k;
    private final DeviceBuffer v;
    private final DeviceBuffer attentionOut;
    private final DeviceBuffer hb;
    private final DeviceBuffer hb2;
    /** Attention scores, {@code heads × capacity}. */
    private final DeviceBuffer scores;
    private final DeviceBuffer deviceLogits;
    private final float[] logits;
    private final float attentionScale;
    /** The queries kept for KV-cache compression; {@code null} until the sequence is asked to record them. */
    private QueryWindow queries;
    /** Host copy of one layer's post-RoPE queries while recording. */
    private float[] hostQueries;

    CudaSequence(ModelConfig config, CudaContext context, CudaKernels kernels, CudaWeights weights, int capacity) {
        this.config = config;
        this.context = context;
        this.kernels = kernels;
        this.weights = weights;
        context.makeCurrent();
        int qDim = config.heads() * config.headDim();
        int kvDim = config.kvHeads() * config.headDim();
        cache = new CudaKvCache(context, config.layers(), config.kvHeads(), config.headDim(), capacity);
        try {
            x = floats(config.dim(), "hidden state");
            xb = floats(config.dim(), "normalised hidden state");
            q = floats(qDim, "queries");
            k = floats(kvDim, "keys");
            v = floats(kvDim, "values");
            attentionOut = floats(qDim, "attention output");
            hb = floats(config.ffnDim(), "feed-forward gate");
            hb2 = floats(config.ffnDim(), "feed-forward up projection");
            scores = floats((long) config.heads() * capacity, "attention scores");
            deviceLogits = floats(config.vocabularySize(), "logits");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        logits = new float[config.vocabularySize()];
        attentionScale = (float) (1.0 / Math.sqrt(config.headDim()));
    }

    private DeviceBuffer floats(long n, String purpose) {
        DeviceBuffer buffer = context.allocate(n * Float.BYTES, purpose);
        buffers.add(buffer);
        return buffer;
    }

    @Override
    public float[] forward(int token, int position) {
        ModelConfig c = config;
        Objects.checkIndex(token, c.vocabularySize());
        context.makeCurrent();
        int dim = c.dim();
        int qDim = c.heads() * c.headDim();
        int kvDim = c.kvHeads() * c.headDim();
        float epsilon = c.rmsEpsilon();
        double scaledPosition = (double) position * c.ropeScale();
        boolean neox = c.ropeLayout() == RopeLayout.NEOX;
        kernels.embedding(weights.tokenEmbedding, x, token, dim);

        for (int l = 0; l < c.layers(); l++) {
            CudaWeights.Layer layer = weights.layers[l];

            // Attention block; the projections add the Qwen2 biases, the output projection the residual.
            kernels.rmsNorm(xb, x, layer.attentionNorm(), dim, 1, epsilon);
            kernels.matvec(layer.wq(), q, xb, layer.qBias(), qDim, dim);
            kernels.matvec(layer.wk(), k, xb, layer.kBias(), kvDim, dim);
            kernels.matvec(layer.wv(), v, xb, layer.vBias(), kvDim, dim);
            if (layer.qNorm() != null) {
                kernels.rmsNorm(q, q, layer.qNorm(), c.headDim(), c.heads(), epsilon);
            }
            if (layer.kNorm() != null) {
                kernels.rmsNorm(k, k, layer.kNorm(), c.headDim(), c.kvHeads(), epsilon);
            }
            kernels.rope(q, k, c.heads(), c.kvHeads(), c.headDim(), c.ropeDim() / 2, weights.ropeFrequencies,
                    scaledPosition, neox);
            if (queries != null) {
                // One small synchronous copy per layer: the window is filled as on the CPU.
                q.read(0, Pointer.to(hostQueries), (long) hostQueries.length * Float.BYTES);
                queries.record(l, position, hostQueries);
            }
            cache.appendOnDevice(kernels, l, position, k, v);
            kernels.attention(attentionOut, q, cache, scores, l, c.heads(), attentionScale);
            kernels.matvec(layer.wo(), x, attentionOut, x, dim, qDim);

            // Feed-forward block.
            kernels.rmsNorm(xb, x, layer.ffnNorm(), dim, 1, epsilon);
            kernels.matvec(layer.gate(), hb, xb, null, c.ffnDim(), dim);
            kernels.matvec(layer.up(), hb2, xb, null, c.ffnDim(), dim);
            kernels.swiglu(hb, hb2, c.ffnDim());
            kernels.matvec(layer.down(), x, hb, x, dim, c.ffnDim());
        }

        kernels.rmsNorm(x, x, weights.outputNorm, dim, 1, epsilon);
        kernels.matvec(weights.output, deviceLogits, x, null, c.vocabularySize(), dim);
        deviceLogits.read(0, Pointer.to(logits), (long) logits.length * Float.BYTES);
        return logits;
    }

    @Override
    public KvCache kvCache() {
        return cache;
    }

    /**
     * Records each token's post-RoPE queries of every layer from now on, copying them to the host
     * after the layer's RoPE kernel (one {@code heads × headDim} float copy per layer and token).
     */
    @Override
    public QueryWindow recordQueries(int window) {
        if (queries == null || queries.window() < window) {
            queries = new QueryWindow(config.layers(), config.heads(), config.headDim(), window);
            hostQueries = new float[config.heads() * config.headDim()];
        }
        return queries;
    }

    /** Frees the cache and activations on the device. */
    @Override
    public void close() {
        cache.free();
        for (DeviceBuffer buffer : buffers) {
            buffer.free();
        }
        buffers.clear();
    }
}
