package dev.sift.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sift.engine.Json;
import dev.sift.engine.SharedModels;
import dev.sift.engine.backend.CpuKernels;
import dev.sift.engine.gguf.GgufFile;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The wide ({@code d256}) synthetic models, whose every matrix is Q4_K or Q6_K, against their
 * exact-math references, as {@link SyntheticModelTest} checks the other types: the engine computes in
 * float32 on dequantized weights, so it must reproduce the reference's greedy tokens and top-10
 * probabilities (llama.cpp's own tokens differ after a few steps, as it rounds activations to Q8_K).
 */
class KQuantModelTest {

    @ParameterizedTest
    @CsvSource({"llama,q4_k", "llama,q6_k", "llama3,q4_k", "llama3,q6_k",
            "qwen2,q4_k", "qwen2,q6_k", "qwen3,q4_k", "qwen3,q6_k"})
    void matchesExactMathReference(String architecture, String type) throws IOException {
        String stem = "synthetic/tiny-" + architecture + "-d256-" + type;
        Map<String, Object> reference = Json.object(SharedModels.model(stem + ".json"));
        try (GgufFile file = GgufFile.open(SharedModels.model(stem + ".gguf"))) {
            ModelConfig config = ModelConfig.fromGguf(file);
            try (Decoder model = new LlamaModel(LlamaWeights.bind(file, config), config, new CpuKernels(2))) {
                for (Object c : (List<?>) reference.get("cases")) {
                    Map<?, ?> testCase = (Map<?, ?>) c;
                    String name = architecture + "-d256-" + type + "/" + testCase.get("name");
                    Map<?, ?> exact = (Map<?, ?>) testCase.get("exact_math_reference");
                    int[] expected = Json.ints(exact.get("generated_ids"));
                    int[] generated = SyntheticModelTest.greedy(model, Json.ints(testCase.get("prompt_ids")),
                            expected.length, (List<?>) exact.get("steps"), name);
                    assertThat(generated).as(name).containsExactly(expected);
                }
            }
        }
    }
}
