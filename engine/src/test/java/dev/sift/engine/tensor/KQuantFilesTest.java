package dev.sift.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sift.engine.SharedModels;
import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.GgufTensorInfo;
import dev.sift.engine.gguf.TensorType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The K-quant decoders and encoders against the synthetic models: the d256 files' Q4_K and Q6_K
 * weights were written by ggml's reference quantizers (byte for byte, see the models' README), and
 * the F32 model's weights give something to quantize and compare with.
 */
class KQuantFilesTest {

    private static final int BLOCK = 256;

    /**
     * Decoding a block of a file and encoding it again gives back the block, or an equivalent one.
     * ggml's quantizers are not exactly idempotent, and what holds on these files is this:
     * <ul>
     * <li>Q4_K: all but 1-8 blocks of each file (under 0.2%) come back byte for byte; in those few the
     * scale search settles on a different fit for one sub-block of 32.
     * <li>Q6_K: 14-20% of the blocks come back as different bytes, because a sub-block whose largest
     * magnitude was stored as +31 steps is re-encoded with the opposite sign of scale and quants (the
     * largest always maps to -32) and so decodes to the same values; values change in at most one
     * block per file, and there only in one sub-block of 16.
     * <li>Both: what comes back is a fixed point, encoding its decoded values gives the same bytes.
     * </ul>
     * A decoder that put a quant, a scale or a minimum in the wrong place would instead re-encode
     * nearly every block differently, so this checks the decoders against ggml's encoder.
     */
    @ParameterizedTest
    @CsvSource({"llama,q4_k", "llama,q6_k", "llama3,q4_k", "llama3,q6_k",
            "qwen2,q4_k", "qwen2,q6_k", "qwen3,q4_k", "qwen3,q6_k"})
    void reencodingDecodedBlocksReproducesTheFile(String architecture, String typeName) throws IOException {
        TensorType type = TensorType.valueOf(typeName.toUpperCase(Locale.ROOT));
        int blockBytes = type.blockBytes();
        int subBlock = type == TensorType.Q6_K ? 16 : 32;
        long blocks = 0;
        long identical = 0;
        long changedValues = 0;
        float[] decoded = new float[BLOCK];
        float[] redecoded = new float[BLOCK];
        String path = "synthetic/tiny-" + architecture + "-d256-" + typeName + ".gguf";
        try (GgufFile file = GgufFile.open(SharedModels.model(path))) {
            for (GgufTensorInfo info : file.tensors()) {
                if (info.dimensions() != 2) {
                    continue;
                }
                assertThat(info.type()).as(info.name()).isEqualTo(type);
                MemorySegment data = file.data(info);
                Tensor tensor = Tensor.of(info, data);
                for (long b = 0; b < info.elementCount() / BLOCK; b++) {
                    String where = info.name() + " block " + b;
                    tensor.dequantize(b * BLOCK, decoded, 0, BLOCK);
                    byte[] original = data.asSlice(b * blockBytes, blockBytes).toArray(ValueLayout.JAVA_BYTE);
                    byte[] reencoded = Quantizer.quantize(type, decoded);
                    Tensor.of(type, MemorySegment.ofArray(reencoded), BLOCK).dequantize(0, redecoded, 0, BLOCK);
                    assertThat(Quantizer.quantize(type, redecoded)).as(where + " is a fixed point")
                            .isEqualTo(reencoded);
                    blocks++;
                    if (Arrays.equals(original, reencoded)) {
                        identical++;
                        continue;
                    }
                    int changedSubBlocks = 0;
                    for (int s = 0; s < BLOCK; s += subBlock) {
                        for (int i = s; i < s + subBlock; i++) {
                            if (decoded[i] != redecoded[i]) { // numerically: -0 == 0
                                changedSubBlocks++;
                                break;
                            }
                        }
                    }
                    assertThat(changedSubBlocks).as(where + " sub-blocks whose values changed").isLessThanOrEqualTo(1);
                    changedValues += changedSubBlocks;
                }
            }
        }
        assertThat(blocks).isGreaterThan(5000);
        if (type == TensorType.Q4_K) {
            assertThat(identical).as("Q4_K blocks re-encoded byte for byte").isGreaterThanOrEqualTo(blocks * 998 / 1000);
        } else {
            assertThat(changedValues).as("Q6_K blocks whose values changed").isLessThanOrEqualTo(1);
            assertThat(identical).as("Q6_K blocks re-encoded byte for byte").isGreaterThan(blocks * 3 / 4);
        }
    }

    /**
     * The acceptance check of quantized against float weights: every {@code ffn_down} row (256 long)
     * of the F32 llama model, encoded and decoded, stays within one step of its block's coarsest grid
     * (see {@link QuantizerTest#kQuantRoundTripErrorIsWithinTheCoarsestStep}), so its dot product with
     * any x differs from the F32 one by at most that step times {@code sum |x|}.
     */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void quantizedWeightsKeepDotProductsWithinTheScaleBound(TensorType type) throws IOException {
        float[] x = QuantizerTest.logNormalish(BLOCK, 3);
        float sumAbsX = 0f;
        for (float v : x) {
            sumAbsX += Math.abs(v);
        }
        float[] row = new float[BLOCK];
        float[] decoded = new float[BLOCK];
        int rows = 0;
        try (GgufFile file = GgufFile.open(SharedModels.model("synthetic/tiny-llama-f32.gguf"))) {
            for (String name : new String[] {"blk.0.ffn_down.weight", "blk.1.ffn_down.weight"}) {
                GgufTensorInfo info = file.tensor(name).orElseThrow();
                assertThat(info.dim(0)).isEqualTo(BLOCK);
                Tensor weights = Tensor.of(info, file.data(info));
                for (int r = 0; r < info.dim(1); r++) {
                    weights.dequantize((long) r * BLOCK, row, 0, BLOCK);
                    byte[] encoded = Quantizer.quantize(type, row);
                    Tensor quantized = Tensor.of(type, MemorySegment.ofArray(encoded), BLOCK);
                    quantized.dequantize(0, decoded, 0, BLOCK);
                    float step = QuantizerTest.coarsestStep(type, encoded, 0);
                    for (int i = 0; i < BLOCK; i++) {
                        assertThat(Math.abs(decoded[i] - row[i])).as("%s %s row %d element %d", type, name, r, i)
                                .isLessThanOrEqualTo(step);
                    }
                    float exact = weights.dot((long) r * BLOCK, x, 0, BLOCK);
                    assertThat(Math.abs(quantized.dot(0, x, 0, BLOCK) - exact)).as("%s %s row %d", type, name, r)
                            .isLessThanOrEqualTo(step * sumAbsX);
                    rows++;
                }
            }
        }
        assertThat(rows).isEqualTo(256);
    }
}
