package dev.sift.engine.backend.cuda;

import dev.sift.engine.SharedModels;
import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.TensorType;
import dev.sift.engine.model.LlamaWeights;
import dev.sift.engine.model.ModelConfig;
import dev.sift.engine.tensor.UnsupportedTensorTypeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The kernel tables and the device-memory estimate, which need no GPU. */
class KernelTableTest {

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q4_K", "Q5_K", "Q6_K"})
    void everyTypeTheCpuDecodesHasAMatvecAndAnEmbeddingKernel(TensorType type) {
        String suffix = "_" + type.name().toLowerCase(java.util.Locale.ROOT);
        assertThat(Kernel.matvec(type, "w").entry()).isEqualTo("matvec" + suffix);
        assertThat(Kernel.embedding(type, "w").entry()).isEqualTo("embedding" + suffix);
    }

    @Test
    void aTypeWithoutKernelIsRefusedNamingTheTensor() {
        assertThatThrownBy(() -> Kernel.matvec(TensorType.Q2_K, "blk.2.attn_k.weight"))
                .isInstanceOf(UnsupportedTensorTypeException.class)
                .hasMessageContaining("blk.2.attn_k.weight").hasMessageContaining("Q2_K");
        assertThatThrownBy(() -> Kernel.embedding(TensorType.IQ4_NL, "token_embd.weight"))
                .isInstanceOf(UnsupportedTensorTypeException.class).hasMessageContaining("token_embd.weight");
    }

    @Test
    void requiredBytesAreTheWeightsPlusOneSequence() throws IOException {
        try (GgufFile file = GgufFile.open(SharedModels.model("stories260K.gguf"))) {
            ModelConfig config = ModelConfig.fromGguf(file);
            LlamaWeights weights = LlamaWeights.bind(file, config);
            long perToken = 2L * config.layers() * config.kvHeads() * config.headDim() * Float.BYTES
                    + (long) config.heads() * Float.BYTES;
            assertThat(CudaDecoder.requiredBytes(weights, config, 1000) - CudaDecoder.requiredBytes(weights, config, 10))
                    .isEqualTo(990 * perToken);
            // stories260K is all F32: at least the embedding and the layers' matrices.
            long layerMatrices = 0;
            for (LlamaWeights.Layer layer : weights.layers()) {
                layerMatrices += (layer.wq().size() + layer.wk().size() + layer.wv().size() + layer.wo().size()
                        + layer.gate().size() + layer.up().size() + layer.down().size()) * Float.BYTES;
            }
            assertThat(CudaDecoder.requiredBytes(weights, config, 0))
                    .isGreaterThan(layerMatrices + weights.tokenEmbedding().size() * Float.BYTES)
                    .isLessThan(2 * java.nio.file.Files.size(SharedModels.model("stories260K.gguf")));
        }
    }
}
