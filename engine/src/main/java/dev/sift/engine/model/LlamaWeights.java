package dev.sift.engine.model;

import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.GgufFormatException;
import dev.sift.engine.gguf.GgufTensorInfo;
import dev.sift.engine.tensor.Tensor;

import java.util.Arrays;

/**
 * The weights of a Llama-family model, bound to the file's tensors after checking each one's
 * presence and shape against the hyperparameters. Every backend starts from these: the CPU reads
 * them in place, a GPU backend uploads them.
 *
 * @param tokenEmbedding  {@code [dim, vocab]}
 * @param outputNorm      {@code [dim]}
 * @param output          {@code [dim, vocab]}; the embedding itself when the file ties them
 * @param layers          the transformer blocks
 * @param ropeFrequencies RoPE frequency of each rotated pair: theta^(-2i / ropeDim), divided by
 *                        {@code rope_freqs[i]} when the file has Llama 3's frequency factors
 */
public record LlamaWeights(Tensor tokenEmbedding, Tensor outputNorm, Tensor output, Layer[] layers,
                           double[] ropeFrequencies) {

    /** One transformer block; the bias and q/k-norm tensors are {@code null} when the variant has none. */
    public record Layer(Tensor attentionNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
                        Tensor qBias, Tensor kBias, Tensor vBias, Tensor qNorm, Tensor kNorm,
                        Tensor ffnNorm, Tensor gate, Tensor up, Tensor down) {
    }

    /**
     * Binds the weights of a model file.
     *
     * @throws GgufFormatException naming the tensor that is missing or has the wrong shape
     */
    public static LlamaWeights bind(GgufFile file, ModelConfig config) {
        int dim = config.dim();
        int qDim = config.heads() * config.headDim();
        int kvDim = config.kvHeads() * config.headDim();
        Tensor tokenEmbedding = weight(file, "token_embd.weight", dim, config.vocabularySize());
        Tensor outputNorm = weight(file, "output_norm.weight", dim);
        Tensor output = file.tensor("output.weight").isPresent()
                ? weight(file, "output.weight", dim, config.vocabularySize())
                : tokenEmbedding;
        Layer[] layers = new Layer[config.layers()];
        for (int l = 0; l < config.layers(); l++) {
            String p = "blk." + l + ".";
            layers[l] = new Layer(
                    weight(file, p + "attn_norm.weight", dim),
                    weight(file, p + "attn_q.weight", dim, qDim),
                    weight(file, p + "attn_k.weight", dim, kvDim),
                    weight(file, p + "attn_v.weight", dim, kvDim),
                    weight(file, p + "attn_output.weight", qDim, dim),
                    optionalWeight(file, p + "attn_q.bias", qDim),
                    optionalWeight(file, p + "attn_k.bias", kvDim),
                    optionalWeight(file, p + "attn_v.bias", kvDim),
                    optionalWeight(file, p + "attn_q_norm.weight", config.headDim()),
                    optionalWeight(file, p + "attn_k_norm.weight", config.headDim()),
                    weight(file, p + "ffn_norm.weight", dim),
                    weight(file, p + "ffn_gate.weight", dim, config.ffnDim()),
                    weight(file, p + "ffn_up.weight", dim, config.ffnDim()),
                    weight(file, p + "ffn_down.weight", config.ffnDim(), dim));
        }
        Tensor ropeFactors = optionalWeight(file, "rope_freqs.weight", config.ropeDim() / 2);
        double[] ropeFrequencies = new double[config.ropeDim() / 2];
        for (int i = 0; i < ropeFrequencies.length; i++) {
            double factor = ropeFactors == null ? 1 : ropeFactors.get(i);
            ropeFrequencies[i] = Math.pow(config.ropeTheta(), -2.0 * i / config.ropeDim()) / factor;
        }
        return new LlamaWeights(tokenEmbedding, outputNorm, output, layers, ropeFrequencies);
    }

    private static Tensor optionalWeight(GgufFile file, String name, long... expectedShape) {
        return file.tensor(name).isPresent() ? weight(file, name, expectedShape) : null;
    }

    private static Tensor weight(GgufFile file, String name, long... expectedShape) {
        GgufTensorInfo info = file.tensor(name)
                .orElseThrow(() -> new GgufFormatException("tensor '" + name + "' is missing"));
        long[] shape = info.shape();
        long[] trimmed = shape;
        // ggml treats trailing dimensions of size 1 as absent.
        while (trimmed.length > expectedShape.length && trimmed[trimmed.length - 1] == 1) {
            trimmed = Arrays.copyOf(trimmed, trimmed.length - 1);
        }
        if (!Arrays.equals(trimmed, expectedShape)) {
            throw new GgufFormatException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + ", expected " + Arrays.toString(expectedShape) + " from the model's hyperparameters", info.infoOffset());
        }
        return Tensor.of(info, file.data(info));
    }
}
