package dev.sift.engine.model;

import dev.sift.engine.SharedModels;
import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.GgufFormatException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Binding weights checks each tensor against the hyperparameters and names the one at fault. The
 * hyperparameters are changed here rather than the file, which is the same disagreement seen from
 * the other side.
 */
class LlamaWeightsTest {

    private static GgufFile file;
    private static ModelConfig config;

    @BeforeAll
    static void open() throws IOException {
        file = GgufFile.open(SharedModels.model("stories260K.gguf"));
        config = ModelConfig.fromGguf(file);
    }

    @AfterAll
    static void close() {
        file.close();
    }

    private static ModelConfig with(int layers, int ffnDim, int vocabularySize) {
        return new ModelConfig(config.architecture(), config.dim(), layers, config.heads(), config.kvHeads(),
                config.headDim(), ffnDim, vocabularySize, config.contextLength(), config.rmsEpsilon(), config.ropeTheta(),
                config.ropeDim(), config.ropeLayout(), config.ropeScale());
    }

    @Test
    void theFilesOwnHyperparametersBind() {
        LlamaWeights weights = LlamaWeights.bind(file, config);
        assertThat(weights.layers()).hasSize(5);
    }

    @Test
    void aTensorWhoseShapeDisagreesWithTheHyperparametersIsNamedWithItsOffset() {
        int ffn = config.ffnDim();
        long infoOffset = file.tensor("blk.0.ffn_gate.weight").orElseThrow().infoOffset();
        assertThatThrownBy(() -> LlamaWeights.bind(file, with(config.layers(), ffn + 1, config.vocabularySize())))
                .isInstanceOfSatisfying(GgufFormatException.class, e -> assertThat(e.offset()).isEqualTo(infoOffset))
                .hasMessage("tensor 'blk.0.ffn_gate.weight' has shape [" + config.dim() + ", " + ffn + "], expected ["
                        + config.dim() + ", " + (ffn + 1) + "] from the model's hyperparameters (at byte offset " + infoOffset + ")");
    }

    @Test
    void aVocabularyOfAnotherSizeThanTheEmbeddingIsNamed() {
        assertThatThrownBy(() -> LlamaWeights.bind(file, with(config.layers(), config.ffnDim(), config.vocabularySize() + 1)))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageStartingWith("tensor 'token_embd.weight' has shape [" + config.dim() + ", " + config.vocabularySize() + "]");
    }

    @Test
    void aMissingTensorIsNamed() {
        assertThatThrownBy(() -> LlamaWeights.bind(file, with(config.layers() + 1, config.ffnDim(), config.vocabularySize())))
                .isInstanceOf(GgufFormatException.class)
                .hasMessage("tensor 'blk." + config.layers() + ".attn_norm.weight' is missing");
    }
}
