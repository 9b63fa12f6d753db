package dev.sift.engine.bench;

import java.util.List;
import java.util.Locale;

/**
 * The hyper-parameters of a Llama-architecture model, for writing random-weight files of real size.
 *
 * @param name           the name the command line uses
 * @param architecture   {@code llama}, or {@code qwen2} (biases on the query, key and value projections, NeoX RoPE)
 * @param dim            hidden size
 * @param layers         transformer blocks
 * @param heads          query heads
 * @param kvHeads        key/value heads
 * @param headDim        length of one head
 * @param ffnDim         feed-forward hidden size
 * @param vocabulary     tokens (at least 259: three specials and 256 byte tokens)
 * @param contextLength  the context length written in the metadata
 * @param ropeTheta      RoPE frequency base
 * @param tiedEmbeddings whether the output projection is the token embedding (no {@code output.weight})
 */
public record ModelShape(String name, String architecture, int dim, int layers, int heads, int kvHeads, int headDim,
                         int ffnDim, int vocabulary, int contextLength, float ropeTheta, boolean tiedEmbeddings) {

    /** Llama-3.2-1B: dim 2048, 16 layers, 32/8 heads of 64, FFN 8192, 128256 tokens, tied embeddings. */
    public static final ModelShape LLAMA_3_2_1B =
            new ModelShape("llama-3.2-1b", "llama", 2048, 16, 32, 8, 64, 8192, 128256, 131072, 500000f, true);
    /**
     * Qwen2.5-0.5B: dim 896, 24 layers, 14/2 heads of 64, FFN 4864, 151936 tokens, tied embeddings,
     * query/key/value biases. 896 is not a multiple of 256, so it cannot be written in K-quants.
     */
    public static final ModelShape QWEN_2_5_0_5B =
            new ModelShape("qwen2.5-0.5b", "qwen2", 896, 24, 14, 2, 64, 4864, 151936, 32768, 1000000f, true);
    /** A quarter-size stand-in for quick runs: dim 1024, 8 layers, 16/4 heads, FFN 4096, 32000 tokens. */
    public static final ModelShape D1024 =
            new ModelShape("d1024", "llama", 1024, 8, 16, 4, 64, 4096, 32000, 4096, 10000f, false);
    /** A test-sized shape: dim 256 (one K-quant super-block), 2 layers, 4/2 heads, FFN 512, 512 tokens. */
    public static final ModelShape TINY =
            new ModelShape("tiny", "llama", 256, 2, 4, 2, 64, 512, 512, 512, 10000f, false);
    /** {@link #TINY} as a Qwen2: the same sizes with query/key/value biases. */
    public static final ModelShape TINY_QWEN2 =
            new ModelShape("tiny-qwen2", "qwen2", 256, 2, 4, 2, 64, 512, 512, 512, 10000f, false);

    public static final List<ModelShape> NAMED = List.of(LLAMA_3_2_1B, QWEN_2_5_0_5B, D1024, TINY, TINY_QWEN2);

    public ModelShape {
        if (!architecture.equals("llama") && !architecture.equals("qwen2")) {
            throw new IllegalArgumentException("shape architecture must be llama or qwen2, got " + architecture);
        }
        if (dim <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0 || ffnDim <= 0 || contextLength <= 0) {
            throw new IllegalArgumentException("every size of a model shape must be positive: " + this);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads " + heads + " is not a multiple of kv heads " + kvHeads);
        }
        if (vocabulary < ModelGenerator.FIRST_FILLER_TOKEN) {
            throw new IllegalArgumentException("a vocabulary needs at least " + ModelGenerator.FIRST_FILLER_TOKEN
                    + " tokens, got " + vocabulary);
        }
    }

    /** The named shape ({@code llama-3.2-1b}, {@code qwen2.5-0.5b}, {@code d1024}, {@code tiny}, {@code tiny-qwen2}). */
    public static ModelShape named(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        return NAMED.stream().filter(shape -> shape.name().equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown shape '" + name + "' (choose "
                        + String.join(", ", NAMED.stream().map(ModelShape::name).toList()) + ")"));
    }

    /** Whether the query, key and value projections have biases (Qwen2). */
    public boolean qkvBiases() {
        return architecture.equals("qwen2");
    }

    /** Elements of all weights, norms and biases included. */
    public long parameters() {
        long qDim = (long) heads * headDim;
        long kvDim = (long) kvHeads * headDim;
        long biases = qkvBiases() ? qDim + 2 * kvDim : 0;
        long perLayer = 2L * dim + dim * qDim + 2 * dim * kvDim + qDim * dim + 3L * dim * ffnDim + biases;
        return (long) vocabulary * dim * (tiedEmbeddings ? 1 : 2) + dim + layers * perLayer;
    }
}
