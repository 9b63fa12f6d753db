package dev.sift.engine.model;

import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.GgufFormatException;

import java.util.List;

/**
 * The hyperparameters of a decoder, read from GGUF metadata ({@code <architecture>.*} keys).
 * Optional keys take llama.cpp's defaults.
 *
 * @param architecture  {@code general.architecture}
 * @param dim           embedding length
 * @param layers        number of transformer blocks
 * @param heads         query heads
 * @param kvHeads       key/value heads (grouped-query attention when fewer than {@code heads})
 * @param headDim       length of one query/key/value head vector
 * @param ffnDim        hidden size of the feed-forward network
 * @param vocabularySize number of token embeddings
 * @param contextLength context the model was trained for
 * @param rmsEpsilon    RMSNorm epsilon
 * @param ropeTheta     RoPE frequency base
 * @param ropeDim       number of leading head dimensions RoPE rotates
 * @param ropeLayout    which dimensions RoPE rotates together
 * @param ropeScale     positions are multiplied by this before rotation (linear RoPE scaling; 1 = none)
 */
public record ModelConfig(String architecture, int dim, int layers, int heads, int kvHeads, int headDim,
                          int ffnDim, int vocabularySize, int contextLength, float rmsEpsilon, float ropeTheta,
                          int ropeDim, RopeLayout ropeLayout, float ropeScale) {

    /**
     * Architectures this engine can run. Mistral, SmolLM and other Llama derivatives are stored as
     * {@code llama}; Qwen2/2.5 as {@code qwen2}; Qwen3 dense models as {@code qwen3}.
     */
    public static final List<String> SUPPORTED_ARCHITECTURES = List.of("llama", "qwen2", "qwen3");

    private static final float DEFAULT_ROPE_THETA = 10_000f;
    private static final float DEFAULT_RMS_EPSILON = 1e-5f;

    public ModelConfig {
        requirePositive("embedding_length", dim);
        requirePositive("block_count", layers);
        requirePositive("attention.head_count", heads);
        requirePositive("attention.head_count_kv", kvHeads);
        requirePositive("attention.key_length", headDim);
        requirePositive("feed_forward_length", ffnDim);
        requirePositive("vocab_size", vocabularySize);
        requirePositive("context_length", contextLength);
        if (heads % kvHeads != 0) {
            throw new GgufFormatException(architecture + ".attention.head_count " + heads
                    + " is not a multiple of attention.head_count_kv " + kvHeads);
        }
        if (ropeDim <= 0 || ropeDim > headDim || ropeDim % 2 != 0) {
            throw new GgufFormatException(architecture + ".rope.dimension_count " + ropeDim
                    + " must be even and between 2 and the head size " + headDim);
        }
        if (!(rmsEpsilon > 0) || !(ropeTheta > 0) || !(ropeScale > 0)) {
            throw new GgufFormatException(architecture + ": RMSNorm epsilon " + rmsEpsilon + ", RoPE base " + ropeTheta
                    + " and RoPE scale " + ropeScale + " must be positive");
        }
    }

    private static void requirePositive(String key, int value) {
        if (value <= 0) {
            throw new GgufFormatException("model hyperparameter " + key + " = " + value + " must be positive");
        }
    }

    /** Query heads sharing one KV head. */
    public int groupSize() {
        return heads / kvHeads;
    }

    /**
     * Reads the configuration of a model file. The vocabulary size is the number of tokens in
     * {@code tokenizer.ggml.tokens} (as llama.cpp counts it), else {@code <arch>.vocab_size}.
     *
     * @throws GgufFormatException if the architecture is unsupported or a required key is missing
     */
    public static ModelConfig fromGguf(GgufFile file) {
        String arch = file.string("general.architecture")
                .orElseThrow(() -> new GgufFormatException("metadata 'general.architecture' is missing"));
        if (!SUPPORTED_ARCHITECTURES.contains(arch)) {
            throw new GgufFormatException("architecture '" + arch + "' is not supported (supported: "
                    + String.join(", ", SUPPORTED_ARCHITECTURES) + ")");
        }
        int dim = required(file, arch + ".embedding_length");
        int heads = required(file, arch + ".attention.head_count");
        int kvHeads = file.integer(arch + ".attention.head_count_kv").orElse(heads);
        int headDim = file.integer(arch + ".attention.key_length").orElse(heads > 0 ? dim / heads : 0);
        int valueDim = file.integer(arch + ".attention.value_length").orElse(headDim);
        if (valueDim != headDim) {
            throw new GgufFormatException(arch + ".attention.value_length " + valueDim
                    + " differs from key_length " + headDim + ", which Sift does not support");
        }
        int vocabularySize = file.stringArray("tokenizer.ggml.tokens").map(tokens -> tokens.length)
                .or(() -> file.integer(arch + ".vocab_size"))
                .orElseThrow(() -> new GgufFormatException("neither 'tokenizer.ggml.tokens' nor '" + arch
                        + ".vocab_size' says how large the vocabulary is"));
        return new ModelConfig(arch,
                dim,
                required(file, arch + ".block_count"),
                heads,
                kvHeads,
                headDim,
                required(file, arch + ".feed_forward_length"),
                vocabularySize,
                required(file, arch + ".context_length"),
                file.real(arch + ".attention.layer_norm_rms_epsilon").orElse(DEFAULT_RMS_EPSILON),
                file.real(arch + ".rope.freq_base").orElse(DEFAULT_ROPE_THETA),
                file.integer(arch + ".rope.dimension_count").orElse(headDim),
                arch.equals("llama") ? RopeLayout.INTERLEAVED : RopeLayout.NEOX,
                ropeScale(file, arch));
    }

    /** Linear RoPE scaling from {@code rope.scaling.*}; other scaling types are refused by name. */
    private static float ropeScale(GgufFile file, String arch) {
        String type = file.string(arch + ".rope.scaling.type").orElse("none");
        return switch (type) {
            case "none" -> 1f;
            case "linear" -> {
                float factor = file.real(arch + ".rope.scaling.factor").orElse(1f);
                yield factor == 0f ? 1f : 1f / factor;
            }
            default -> throw new GgufFormatException(arch + ".rope.scaling.type '" + type
                    + "' is not supported (supported: none, linear)");
        };
    }

    private static int required(GgufFile file, String key) {
        return file.integer(key).orElseThrow(() -> new GgufFormatException("metadata '" + key + "' is missing"));
    }
}
