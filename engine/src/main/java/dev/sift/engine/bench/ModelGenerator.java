package dev.sift.engine.bench;

import dev.sift.engine.gguf.GgufWriter;
import dev.sift.engine.gguf.TensorType;
import dev.sift.engine.tensor.Quantizer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Writes random-weight Llama GGUF files in real shapes, for speed runs: the weights are noise, the
 * sizes and therefore the speed are real.
 *
 * <p>Matrices are stored in the chosen type, norms in F32 (all ones), Qwen2's biases in F32. To keep writing a 1B-parameter
 * file fast, a pool of {@value #ROW_POOL} random rows is quantized once per row length and the
 * matrices are streamed from it (row {@code i} of the file is pool row {@code i mod }{@value #ROW_POOL},
 * a prime, so no two rows of a matrix line up the same way). The vocabulary is SentencePiece-style
 * ({@code tokenizer.ggml.model = llama}): {@code <unk>}, {@code <s>}, {@code </s>}, the 256 byte
 * tokens {@code <0x00>..<0xFF>}, then filler pieces.
 */
public final class ModelGenerator {

    /** Id of the first filler piece, after {@code <unk>}, {@code <s>}, {@code </s>} and the byte tokens. */
    public static final int FIRST_FILLER_TOKEN = 3 + 256;
    /** Distinct random rows per row length. */
    static final int ROW_POOL = 257;

    private static final int NORMAL = 1;
    private static final int UNKNOWN = 2;
    private static final int CONTROL = 3;
    private static final int BYTE = 6;

    private ModelGenerator() {
    }

    /** The tensor types a file can be generated in. */
    public static TensorType type(String name) {
        TensorType type;
        try {
            type = TensorType.valueOf(name.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            type = null;
        }
        if (type == null || !(type == TensorType.F32 || type == TensorType.F16 || type == TensorType.Q8_0
                || type == TensorType.Q4_0 || type == TensorType.Q4_K || type == TensorType.Q6_K)) {
            throw new IllegalArgumentException("cannot generate weights of type '" + name
                    + "' (choose f32, f16, q8_0, q4_0, q4_k, q6_k)");
        }
        return type;
    }

    /** Writes a {@code shape} model with matrices of {@code type} to {@code out}; {@code seed} picks the weights. */
    public static void write(Path out, ModelShape shape, TensorType type, long seed) throws IOException {
        if (shape.dim() % type.blockSize() != 0 || shape.ffnDim() % type.blockSize() != 0
                || ((long) shape.heads() * shape.headDim()) % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + " needs row lengths that are multiples of " + type.blockSize()
                    + "; shape " + shape.name() + " has dim " + shape.dim() + ", ffn " + shape.ffnDim());
        }
        String arch = shape.architecture();
        int qDim = shape.heads() * shape.headDim();
        int kvDim = shape.kvHeads() * shape.headDim();
        GgufWriter writer = new GgufWriter()
                .putString("general.architecture", arch)
                .putString("general.name", "sift random " + shape.name() + " " + type.name().toLowerCase(java.util.Locale.ROOT))
                .putUInt32(arch + ".context_length", shape.contextLength())
                .putUInt32(arch + ".embedding_length", shape.dim())
                .putUInt32(arch + ".block_count", shape.layers())
                .putUInt32(arch + ".feed_forward_length", shape.ffnDim())
                .putUInt32(arch + ".attention.head_count", shape.heads())
                .putUInt32(arch + ".attention.head_count_kv", shape.kvHeads())
                .putUInt32(arch + ".attention.key_length", shape.headDim())
                .putUInt32(arch + ".attention.value_length", shape.headDim())
                .putUInt32(arch + ".rope.dimension_count", shape.headDim())
                .putFloat32(arch + ".rope.freq_base", shape.ropeTheta())
                .putFloat32(arch + ".attention.layer_norm_rms_epsilon", 1e-5f)
                .putUInt32(arch + ".vocab_size", shape.vocabulary());
        vocabulary(writer, shape.vocabulary());

        RowSource rows = new RowSource(type, seed);
        float[] ones = new float[shape.dim()];
        Arrays.fill(ones, 1f);
        byte[] norm = Quantizer.toF32(ones);
        writer.addTensor("token_embd.weight", type, new long[] {shape.dim(), shape.vocabulary()},
                rows.matrix(shape.dim(), shape.vocabulary()));
        writer.addTensor("output_norm.weight", TensorType.F32, new long[] {shape.dim()}, norm);
        if (!shape.tiedEmbeddings()) {
            writer.addTensor("output.weight", type, new long[] {shape.dim(), shape.vocabulary()},
                    rows.matrix(shape.dim(), shape.vocabulary()));
        }
        for (int l = 0; l < shape.layers(); l++) {
            String p = "blk." + l + ".";
            writer.addTensor(p + "attn_norm.weight", TensorType.F32, new long[] {shape.dim()}, norm);
            writer.addTensor(p + "attn_q.weight", type, new long[] {shape.dim(), qDim}, rows.matrix(shape.dim(), qDim));
            writer.addTensor(p + "attn_k.weight", type, new long[] {shape.dim(), kvDim}, rows.matrix(shape.dim(), kvDim));
            writer.addTensor(p + "attn_v.weight", type, new long[] {shape.dim(), kvDim}, rows.matrix(shape.dim(), kvDim));
            if (shape.qkvBiases()) {
                writer.addTensor(p + "attn_q.bias", TensorType.F32, new long[] {qDim}, rows.bias(qDim));
                writer.addTensor(p + "attn_k.bias", TensorType.F32, new long[] {kvDim}, rows.bias(kvDim));
                writer.addTensor(p + "attn_v.bias", TensorType.F32, new long[] {kvDim}, rows.bias(kvDim));
            }
            writer.addTensor(p + "attn_output.weight", type, new long[] {qDim, shape.dim()}, rows.matrix(qDim, shape.dim()));
            writer.addTensor(p + "ffn_norm.weight", TensorType.F32, new long[] {shape.dim()}, norm);
            writer.addTensor(p + "ffn_gate.weight", type, new long[] {shape.dim(), shape.ffnDim()},
                    rows.matrix(shape.dim(), shape.ffnDim()));
            writer.addTensor(p + "ffn_up.weight", type, new long[] {shape.dim(), shape.ffnDim()},
                    rows.matrix(shape.dim(), shape.ffnDim()));
            writer.addTensor(p + "ffn_down.weight", type, new long[] {shape.ffnDim(), shape.dim()},
                    rows.matrix(shape.ffnDim(), shape.dim()));
        }
        writer.write(out);
    }

    private static void vocabulary(GgufWriter writer, int size) {
        String[] tokens = new String[size];
        float[] scores = new float[size];
        int[] types = new int[size];
        tokens[0] = "<unk>";
        types[0] = UNKNOWN;
        tokens[1] = "<s>";
        types[1] = CONTROL;
        tokens[2] = "</s>";
        types[2] = CONTROL;
        for (int b = 0; b < 256; b++) {
            tokens[3 + b] = String.format("<0x%02X>", b);
            types[3 + b] = BYTE;
        }
        for (int id = FIRST_FILLER_TOKEN; id < size; id++) {
            tokens[id] = filler(id - FIRST_FILLER_TOKEN);
            scores[id] = -(id - FIRST_FILLER_TOKEN);
            types[id] = NORMAL;
        }
        writer.putString("tokenizer.ggml.model", "llama")
                .putStringArray("tokenizer.ggml.tokens", tokens)
                .putFloat32Array("tokenizer.ggml.scores", scores)
                .putInt32Array("tokenizer.ggml.token_type", types)
                .putUInt32("tokenizer.ggml.bos_token_id", 1)
                .putUInt32("tokenizer.ggml.eos_token_id", 2)
                .putUInt32("tokenizer.ggml.unknown_token_id", 0);
    }

    /** Filler piece {@code i}: lowercase letters, with SentencePiece's word-start mark on even ones; all distinct. */
    static String filler(int i) {
        StringBuilder text = new StringBuilder();
        int rest = i / 2;
        do {
            text.append((char) ('a' + rest % 26));
            rest /= 26;
        } while (rest > 0);
        return (i % 2 == 0 ? "\u2581" : "") + text;
    }

    /** Quantized random rows, a pool per row length, streamed into matrices. */
    private static final class RowSource {
        private final TensorType type;
        private final SplittableRandom random;
        private final java.util.Map<Integer, byte[][]> pools = new java.util.HashMap<>();
        private long next;

        RowSource(TensorType type, long seed) {
            this.type = type;
            this.random = new SplittableRandom(seed);
        }

        GgufWriter.TensorData matrix(int cols, int rows) {
            byte[][] pool = pools.computeIfAbsent(cols, this::pool);
            return (OutputStream out) -> {
                for (int r = 0; r < rows; r++) {
                    out.write(pool[(int) (next++ % ROW_POOL)]);
                }
            };
        }

        /** A float32 bias of small uniform noise. */
        byte[] bias(int length) {
            float[] values = new float[length];
            for (int i = 0; i < length; i++) {
                values[i] = (float) ((random.nextDouble() * 2 - 1) * 0.1);
            }
            return Quantizer.toF32(values);
        }

        /** Rows of uniform noise with the standard deviation of a 1/sqrt(cols) initialization. */
        private byte[][] pool(int cols) {
            byte[][] pool = new byte[ROW_POOL][];
            float amplitude = (float) (Math.sqrt(3.0 / cols));
            float[] row = new float[cols];
            for (int p = 0; p < ROW_POOL; p++) {
                for (int i = 0; i < cols; i++) {
                    row[i] = (float) ((random.nextDouble() * 2 - 1) * amplitude);
                }
                pool[p] = Quantizer.quantize(type, row);
            }
            return pool;
        }
    }
}
