package dev.sift.engine.backend.cuda;

import dev.sift.engine.model.LlamaWeights;
import dev.sift.engine.model.ModelConfig;
import dev.sift.engine.tensor.Tensor;
import jcuda.Pointer;

/**
 * A model's weights in device memory, uploaded once. Matrices keep the file's bytes (the kernels
 * decode every block format themselves); norm weights and biases, which are small and read as
 * floats, are converted to F32; the RoPE frequencies stay doubles, as the CPU uses them.
 */
final class CudaWeights {

    /** One transformer block; bias and q/k-norm buffers are {@code null} when the model has none. */
    record Layer(DeviceBuffer attentionNorm, DeviceTensor wq, DeviceTensor wk, DeviceTensor wv, DeviceTensor wo,
                 DeviceBuffer qBias, DeviceBuffer kBias, DeviceBuffer vBias, DeviceBuffer qNorm, DeviceBuffer kNorm,
                 DeviceBuffer ffnNorm, DeviceTensor gate, DeviceTensor up, DeviceTensor down) {
    }

    private final CudaContext context;
    final DeviceTensor tokenEmbedding;
    final DeviceBuffer outputNorm;
    final DeviceTensor output;
    final Layer[] layers;
    /** {@code ropeDim / 2} doubles. */
    final DeviceBuffer ropeFrequencies;

    /**
     * Uploads {@code weights} into {@code context}, which must be current. On failure the caller
     * destroys the context, which frees whatever was uploaded.
     *
     * @throws dev.sift.engine.tensor.UnsupportedTensorTypeException naming a tensor whose type has no kernel
     * @throws IllegalArgumentException if a tensor's size does not match the configuration
     */
    CudaWeights(CudaContext context, LlamaWeights weights, ModelConfig config) {
        this.context = context;
        int dim = config.dim();
        int qDim = config.heads() * config.headDim();
        int kvDim = config.kvHeads() * config.headDim();
        int ffnDim = config.ffnDim();
        int vocabulary = config.vocabularySize();
        Kernel.embedding(weights.tokenEmbedding().type(), "token_embd.weight");
        tokenEmbedding = matrix("token_embd.weight", weights.tokenEmbedding(), vocabulary, dim);
        outputNorm = vector("output_norm.weight", weights.outputNorm(), dim);
        // Tied output: share the embedding's device copy.
        output = weights.output() == weights.tokenEmbedding()
                ? tokenEmbedding
                : matrix("output.weight", weights.output(), vocabulary, dim);
        layers = new Layer[config.layers()];
        for (int l = 0; l < layers.length; l++) {
            LlamaWeights.Layer layer = weights.layers()[l];
            String p = "blk." + l + ".";
            layers[l] = new Layer(
                    vector(p + "attn_norm.weight", layer.attentionNorm(), dim),
                    matrix(p + "attn_q.weight", layer.wq(), qDim, dim),
                    matrix(p + "attn_k.weight", layer.wk(), kvDim, dim),
                    matrix(p + "attn_v.weight", layer.wv(), kvDim, dim),
                    matrix(p + "attn_output.weight", layer.wo(), dim, qDim),
                    vector(p + "attn_q.bias", layer.qBias(), qDim),
                    vector(p + "attn_k.bias", layer.kBias(), kvDim),
                    vector(p + "attn_v.bias", layer.vBias(), kvDim),
                    vector(p + "attn_q_norm.weight", layer.qNorm(), config.headDim()),
                    vector(p + "attn_k_norm.weight", layer.kNorm(), config.headDim()),
                    vector(p + "ffn_norm.weight", layer.ffnNorm(), dim),
                    matrix(p + "ffn_gate.weight", layer.gate(), ffnDim, dim),
                    matrix(p + "ffn_up.weight", layer.up(), ffnDim, dim),
                    matrix(p + "ffn_down.weight", layer.down(), dim, ffnDim));
        }
        double[] frequencies = weights.ropeFrequencies();
        ropeFrequencies = context.allocate((long) frequencies.length * Double.BYTES, "RoPE frequencies");
        ropeFrequencies.write(0, Pointer.to(frequencies), (long) frequencies.length * Double.BYTES);
    }

    private DeviceTensor matrix(String name, Tensor tensor, int rows, int cols) {
        Kernel.matvec(tensor.type(), name);
        checkSize(name, tensor, (long) rows * cols);
        if (cols % tensor.type().blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': rows of " + cols + " elements are not whole "
                    + tensor.type() + " blocks");
        }
        DeviceBuffer buffer = context.allocate(tensor.segment().byteSize(), name);
        buffer.write(tensor.segment());
        return new DeviceTensor(name, tensor.type(), buffer);
    }

    /** A 1-D tensor as F32, or {@code null} for an absent optional tensor. */
    private DeviceBuffer vector(String name, Tensor tensor, int n) {
        if (tensor == null) {
            return null;
        }
        checkSize(name, tensor, n);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = tensor.get(i);
        }
        DeviceBuffer buffer = context.allocate((long) n * Float.BYTES, name);
        buffer.write(0, Pointer.to(values), (long) n * Float.BYTES);
        return buffer;
    }

    private static void checkSize(String name, Tensor tensor, long expected) {
        if (tensor.size() != expected) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + tensor.size() + " elements, the model's"
                    + " configuration needs " + expected);
        }
    }
}
