package dev.sift.engine.model;

import dev.sift.engine.Json;
import dev.sift.engine.SharedModels;
import dev.sift.engine.backend.CpuKernels;
import dev.sift.engine.gguf.GgufFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The random-weight {@code tiny-*} files (Llama 2 and Llama 3 style, Qwen2, Qwen3) in F32, F16, Q8_0
 * and Q4_0 against the
 * references that come with them (see the synthetic models' README, "Numerics"): the engine computes
 * in float32 on dequantized weights, so every type must reproduce the exact-math reference's greedy
 * tokens and top-10 probabilities, and F32 must also reproduce llama.cpp's own greedy tokens.
 */
class SyntheticModelTest {

    /** Exact math and this engine differ only by float32 summation order. */
    private static final double LOG_PROBABILITY_TOLERANCE = 1e-3;

    @ParameterizedTest
    @CsvSource({"llama,f32", "llama,f16", "llama,q8_0", "llama,q4_0",
            "llama3,f32", "llama3,f16", "llama3,q8_0", "llama3,q4_0",
            "qwen2,f32", "qwen2,f16", "qwen2,q8_0", "qwen2,q4_0",
            "qwen3,f32", "qwen3,f16", "qwen3,q8_0", "qwen3,q4_0"})
    void matchesExactMathReference(String architecture, String type) throws IOException {
        String stem = "synthetic/tiny-" + architecture + "-" + type;
        Map<String, Object> reference = Json.object(SharedModels.model(stem + ".json"));
        try (GgufFile file = GgufFile.open(SharedModels.model(stem + ".gguf"));
             Decoder model = cpuModel(file)) {
            for (Object c : (List<?>) reference.get("cases")) {
                Map<?, ?> testCase = (Map<?, ?>) c;
                String name = architecture + "-" + type + "/" + testCase.get("name");
                int[] prompt = Json.ints(testCase.get("prompt_ids"));
                Map<?, ?> exact = (Map<?, ?>) testCase.get("exact_math_reference");
                int[] expected = Json.ints(exact.get("generated_ids"));

                int[] generated = greedy(model, prompt, expected.length, (List<?>) exact.get("steps"), name);
                assertThat(generated).as(name).containsExactly(expected);
                if (type.equals("f32")) {
                    assertThat(generated).as(name + " vs llama.cpp").containsExactly(Json.ints(testCase.get("generated_ids")));
                }
            }
        }
    }

    private static Decoder cpuModel(GgufFile file) {
        ModelConfig config = ModelConfig.fromGguf(file);
        return new LlamaModel(LlamaWeights.bind(file, config), config, new CpuKernels(2));
    }

    /** Greedy generation, checking each step's top-10 probabilities against the reference. */
    static int[] greedy(Decoder model, int[] prompt, int count, List<?> steps, String name) {
        DecoderSequence sequence = model.newSequence(prompt.length + count);
        float[] logits = null;
        for (int p = 0; p < prompt.length; p++) {
            logits = sequence.forward(prompt[p], p);
        }
        int[] generated = new int[count];
        for (int i = 0; i < count; i++) {
            double[] logProbabilities = logSoftmax(logits);
            for (Object pair : (List<?>) ((Map<?, ?>) steps.get(i)).get("top")) {
                List<?> idAndProbability = (List<?>) pair;
                int id = ((Number) idAndProbability.get(0)).intValue();
                double expected = Math.log(((Number) idAndProbability.get(1)).doubleValue());
                assertThat(logProbabilities[id]).as("%s step %d token %d log-probability", name, i, id)
                        .isCloseTo(expected, org.assertj.core.data.Offset.offset(LOG_PROBABILITY_TOLERANCE));
            }
            generated[i] = StoriesReferenceTest.argmax(logits);
            logits = sequence.forward(generated[i], prompt.length + i);
        }
        return generated;
    }

    private static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        double logSum = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] - logSum;
        }
        return out;
    }
}
