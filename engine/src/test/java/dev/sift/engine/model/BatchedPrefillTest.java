package dev.sift.engine.model;

import dev.sift.engine.SharedModels;
import dev.sift.engine.backend.CpuKernels;
import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.kv.KvCache;
import dev.sift.engine.kv.QueryWindow;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A prompt fed in batches against the same prompt fed token by token, for every weight type and
 * every architecture variant: the logits after the prompt, the cache it leaves, the queries it
 * records, and the next decoded token's logits agree to float32 rounding (the batched product sums
 * in another order than the matrix-vector kernels). However the prompt is split into batches, the
 * result is bit for bit the same.
 */
class BatchedPrefillTest {

    /** More than one batch, and not a multiple of a tile's four tokens. */
    private static final int PROMPT = LlamaModel.BATCH + 7;
    private static final float TOLERANCE = 2e-4f;

    @ParameterizedTest
    @ValueSource(strings = {"stories260K.gguf",
            "synthetic/tiny-llama-f32.gguf", "synthetic/tiny-llama-f16.gguf", "synthetic/tiny-llama-q8_0.gguf",
            "synthetic/tiny-llama-q4_0.gguf", "synthetic/tiny-llama-d256-q4_k.gguf", "synthetic/tiny-llama-d256-q6_k.gguf",
            "synthetic/tiny-llama3-q8_0.gguf", "synthetic/tiny-qwen2-q4_0.gguf", "synthetic/tiny-qwen3-d256-q4_k.gguf"})
    void batchesMatchTokenByToken(String name) throws IOException {
        try (GgufFile file = GgufFile.open(SharedModels.model(name))) {
            ModelConfig config = ModelConfig.fromGguf(file);
            try (LlamaModel model = new LlamaModel(LlamaWeights.bind(file, config), config, new CpuKernels(2))) {
                int[] prompt = new SplittableRandom(name.hashCode()).ints(PROMPT, 3, config.vocabularySize()).toArray();
                int next = 5;

                DecoderSequence single = model.newSequence(PROMPT + 1);
                QueryWindow singleQueries = single.recordQueries(8);
                float[] singleLogits = null;
                for (int p = 0; p < PROMPT; p++) {
                    singleLogits = single.forward(prompt[p], p).clone();
                }
                DecoderSequence batched = model.newSequence(PROMPT + 1);
                QueryWindow batchedQueries = batched.recordQueries(8);
                float[] batchedLogits = batched.forward(prompt, 0, PROMPT, 0).clone();

                assertClose(batchedLogits, singleLogits, name + " logits after the prompt");
                assertSameCache(batched.kvCache(), single.kvCache(), name);
                for (int layer = 0; layer < config.layers(); layer++) {
                    assertThat(batchedQueries.size(layer)).isEqualTo(8);
                    for (int i = 0; i < 8; i++) {
                        assertThat(batchedQueries.position(layer, i)).isEqualTo(PROMPT - 8 + i);
                        assertClose(batchedQueries.queries(layer, i), singleQueries.queries(layer, i),
                                name + " query " + i + " of layer " + layer);
                    }
                }
                assertClose(batched.forward(next, PROMPT).clone(), single.forward(next, PROMPT),
                        name + " logits of the next token");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K.gguf", "synthetic/tiny-llama-q4_0.gguf", "synthetic/tiny-qwen3-d256-q4_k.gguf"})
    void anySplitIntoBatchesGivesTheSameBits(String name) throws IOException {
        try (GgufFile file = GgufFile.open(SharedModels.model(name))) {
            ModelConfig config = ModelConfig.fromGguf(file);
            try (LlamaModel model = new LlamaModel(LlamaWeights.bind(file, config), config, new CpuKernels(2))) {
                int[] prompt = new SplittableRandom(7).ints(PROMPT, 3, config.vocabularySize()).toArray();
                float[] whole = model.newSequence(PROMPT).forward(prompt, 0, PROMPT, 0).clone();
                for (int chunk : new int[] {1, 5, 17}) {
                    DecoderSequence sequence = model.newSequence(PROMPT);
                    float[] logits = null;
                    for (int from = 0; from < PROMPT; from += chunk) {
                        logits = sequence.forward(prompt, from, Math.min(PROMPT, from + chunk), from);
                    }
                    assertThat(logits).as("%s in chunks of %d", name, chunk).containsExactly(whole);
                }
            }
        }
    }

    private static void assertSameCache(KvCache actual, KvCache expected, String name) {
        float[] a = new float[actual.headDim()];
        float[] e = new float[expected.headDim()];
        for (int layer = 0; layer < expected.layers(); layer++) {
            for (int head = 0; head < expected.kvHeads(); head++) {
                assertThat(actual.length(layer, head)).isEqualTo(PROMPT);
                for (int entry = 0; entry < PROMPT; entry++) {
                    assertThat(actual.position(layer, head, entry)).isEqualTo(entry);
                    actual.readKey(layer, head, entry, a, 0);
                    expected.readKey(layer, head, entry, e, 0);
                    assertClose(a, e, name + " key " + entry + " of layer " + layer + " head " + head);
                    actual.readValue(layer, head, entry, a, 0);
                    expected.readValue(layer, head, entry, e, 0);
                    assertClose(a, e, name + " value " + entry + " of layer " + layer + " head " + head);
                }
            }
        }
    }

    /** Equal within {@link #TOLERANCE} of the largest magnitude (float32 rounding of sums in another order). */
    private static void assertClose(float[] actual, float[] expected, String what) {
        float scale = 1f;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("%s [%d]", what, i).isCloseTo(expected[i], within(TOLERANCE * scale));
        }
    }
}
