package dev.sift.engine.bench;

import dev.sift.engine.kv.KvPrecision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.TensorType;
import dev.sift.engine.generation.GenerationRequest;
import dev.sift.engine.generation.GenerationResult;
import dev.sift.engine.generation.LoadedModel;
import dev.sift.engine.generation.ModelOptions;
import dev.sift.engine.generation.Session;
import dev.sift.engine.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelGeneratorTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"f16", "q8_0", "q4_0", "q4_k", "q6_k"})
    void generatedModelLoadsAndGenerates(String type) throws IOException {
        Path file = dir.resolve("tiny-" + type + ".gguf");
        ModelGenerator.write(file, ModelShape.TINY, ModelGenerator.type(type), 7);

        try (GgufFile gguf = GgufFile.open(file)) {
            ModelConfig config = ModelConfig.fromGguf(gguf);
            assertThat(config.dim()).isEqualTo(ModelShape.TINY.dim());
            assertThat(config.vocabularySize()).isEqualTo(ModelShape.TINY.vocabulary());
            assertThat(gguf.tensor("blk.1.ffn_down.weight").orElseThrow().type()).isEqualTo(TensorType.valueOf(type.toUpperCase()));
            long elements = gguf.tensors().stream().mapToLong(t -> t.elementCount()).sum();
            assertThat(elements).isEqualTo(ModelShape.TINY.parameters());
        }
        try (LoadedModel model = LoadedModel.load(file, new ModelOptions(1, 0));
             Session session = model.newSession()) {
            List<String> pieces = new ArrayList<>();
            GenerationResult result = session.generate(GenerationRequest.text("hello world").withMaxTokens(6), pieces::add);
            assertThat(result.usage().completionTokens()).isPositive();
        }
    }

    @Test
    void qwen2ShapesHaveBiasesAndRefuseKQuantsThatDoNotFit() throws IOException {
        Path file = dir.resolve("tiny-qwen2.gguf");
        ModelGenerator.write(file, ModelShape.TINY_QWEN2, TensorType.Q4_0, 3);
        try (GgufFile gguf = GgufFile.open(file)) {
            ModelConfig config = ModelConfig.fromGguf(gguf);
            assertThat(config.architecture()).isEqualTo("qwen2");
            assertThat(gguf.tensor("blk.0.attn_k.bias").orElseThrow().elementCount()).isEqualTo(2 * 64);
            long elements = gguf.tensors().stream().mapToLong(t -> t.elementCount()).sum();
            assertThat(elements).isEqualTo(ModelShape.TINY_QWEN2.parameters());
        }
        try (LoadedModel model = LoadedModel.load(file, new ModelOptions(1, 0));
             Session session = model.newSession()) {
            assertThat(session.generate(GenerationRequest.text("hello").withMaxTokens(3), piece -> { })
                    .usage().completionTokens()).isPositive();
        }
        assertThat(ModelShape.named("qwen2.5-0.5b").parameters()).isBetween(490_000_000L, 500_000_000L);
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> ModelGenerator.write(dir.resolve("x.gguf"), ModelShape.QWEN_2_5_0_5B, TensorType.Q4_K, 1))
                .withMessageContaining("multiples of 256");
    }

    @Test
    void benchmarkMeasuresEveryRun() throws IOException {
        Path file = dir.resolve("tiny.gguf");
        ModelGenerator.write(file, ModelShape.TINY, TensorType.Q8_0, 1);
        List<String> progress = new ArrayList<>();
        BenchResult result = Benchmark.run(file, new BenchOptions(8, 4, 2, 3, 1, KvPrecision.F16), progress::add);
        assertThat(progress).hasSize(3);
        assertThat(result.prefillTokensPerS()).hasSize(3);
        assertThat(java.util.Arrays.stream(result.prefillTokensPerS()).min().orElseThrow()).isPositive();
        assertThat(result.decodeTokensPerS()).hasSize(3);
        assertThat(java.util.Arrays.stream(result.decodeTokensPerS()).min().orElseThrow()).isPositive();
        assertThat(result.decode().min()).isLessThanOrEqualTo(result.decode().median());
        assertThat(result.decode().median()).isLessThanOrEqualTo(result.decode().max());
        try (GgufFile gguf = GgufFile.open(file)) {
            // untied: the output matrix is read, of the embedding only one row
            long all = gguf.tensors().stream().mapToLong(t -> t.byteSize()).sum();
            long embedding = gguf.tensor("token_embd.weight").orElseThrow().byteSize();
            assertThat(result.weightBytesPerToken()).isEqualTo(all - embedding + embedding / ModelShape.TINY.vocabulary());
        }
        assertThat(result.lines(20)).hasSize(4).last().asString().contains("GB/s");
        assertThat(result.bandwidthFraction(20)).isPositive();
    }

    @Test
    void fillerTokensAreDistinct() {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            assertThat(seen.add(ModelGenerator.filler(i))).as("filler %d", i).isTrue();
        }
    }
}
