package dev.sift.engine.backend.cuda;

import dev.sift.engine.Json;
import dev.sift.engine.SharedModels;
import dev.sift.engine.backend.Backend;
import dev.sift.engine.backend.CpuKernels;
import dev.sift.engine.generation.GenerationListener;
import dev.sift.engine.generation.GenerationRequest;
import dev.sift.engine.generation.LoadedModel;
import dev.sift.engine.generation.ModelOptions;
import dev.sift.engine.generation.Session;
import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.kv.Budget;
import dev.sift.engine.kv.CompressionMethodKind;
import dev.sift.engine.kv.CompressionOptions;
import dev.sift.engine.kv.Compressor;
import dev.sift.engine.kv.KvCache;
import dev.sift.engine.kv.QueryWindow;
import dev.sift.engine.model.DecoderSequence;
import dev.sift.engine.model.LlamaModel;
import dev.sift.engine.model.LlamaWeights;
import dev.sift.engine.model.ModelConfig;
import dev.sift.engine.sampling.SamplingOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * KV-cache compression on the CUDA decoder against the CPU decoder: stories260K with the first 120
 * tokens of the long-story prompt, compressed by SnapKV to 48 tokens. The recorded query windows,
 * the positions each (layer, KV head) keeps and the greedy continuation must agree. Needs a CUDA
 * device; skipped otherwise.
 */
class CudaCompressionTest {

    private static final int PROMPT = 120;
    private static final int GENERATED = 16;
    private static final float TOLERANCE = 1e-3f;
    private static final CompressionOptions SNAPKV = CompressionOptions.of(CompressionMethodKind.SNAPKV, Budget.tokens(48));

    private static int[] prompt;

    @BeforeAll
    static void load() throws IOException {
        CudaTests.requireCuda();
        prompt = Arrays.copyOf(Json.ints(Json.object(SharedModels.model("reference/long-story.json")).get("prompt_tokens")),
                PROMPT);
    }

    @Test
    void snapKvKeepsTheSamePositionsAndGreedyTokensAsTheCpu() throws IOException {
        try (GgufFile file = GgufFile.open(SharedModels.model("stories260K.gguf"))) {
            ModelConfig config = ModelConfig.fromGguf(file);
            LlamaWeights weights = LlamaWeights.bind(file, config);
            try (LlamaModel cpuModel = new LlamaModel(weights, config, new CpuKernels(2));
                 CudaDecoder gpuModel = new CudaDecoder(weights, config);
                 DecoderSequence cpu = cpuModel.newSequence(PROMPT + GENERATED);
                 DecoderSequence gpu = gpuModel.newSequence(PROMPT + GENERATED)) {
                QueryWindow cpuQueries = cpu.recordQueries(SNAPKV.window());
                QueryWindow gpuQueries = gpu.recordQueries(SNAPKV.window());
                assertThat(gpu.recordQueries(1)).as("a window at least as long is reused").isSameAs(gpuQueries);
                float[] expected = null;
                float[] actual = null;
                for (int p = 0; p < prompt.length; p++) {
                    expected = cpu.forward(prompt[p], p).clone();
                    actual = gpu.forward(prompt[p], p).clone();
                }
                CudaKernelsTest.assertClose(actual, expected, TOLERANCE, "logits after the prompt");
                for (int layer = 0; layer < config.layers(); layer++) {
                    assertThat(gpuQueries.size(layer)).isEqualTo(cpuQueries.size(layer)).isEqualTo(SNAPKV.window());
                    for (int i = 0; i < cpuQueries.size(layer); i++) {
                        assertThat(gpuQueries.position(layer, i)).isEqualTo(cpuQueries.position(layer, i));
                        CudaKernelsTest.assertClose(gpuQueries.queries(layer, i), cpuQueries.queries(layer, i), 1e-4f,
                                "queries of layer " + layer + " window entry " + i);
                    }
                }

                assertThat(new Compressor(SNAPKV, PROMPT).compress(cpu.kvCache(), cpuQueries)).isTrue();
                assertThat(new Compressor(SNAPKV, PROMPT).compress(gpu.kvCache(), gpuQueries)).isTrue();
                KvCache cpuCache = cpu.kvCache();
                KvCache gpuCache = gpu.kvCache();
                for (int layer = 0; layer < config.layers(); layer++) {
                    for (int h = 0; h < config.kvHeads(); h++) {
                        assertThat(positions(gpuCache, layer, h)).as("positions kept by layer %d KV head %d", layer, h)
                                .containsExactly(positions(cpuCache, layer, h));
                    }
                }
                assertThat(cpuCache.length(0, 0)).isEqualTo(48);

                // Greedy continuation on the compressed caches, both following the CPU's choice.
                int nearTies = 0;
                for (int i = 0; i < GENERATED; i++) {
                    int token = argmax(expected);
                    if (argmax(actual) != token) {
                        float[] sorted = expected.clone();
                        Arrays.sort(sorted);
                        assertThat(sorted[sorted.length - 1] - sorted[sorted.length - 2])
                                .as("top-2 gap where the GPU's greedy token %d differs from the CPU's %d at step %d",
                                        argmax(actual), token, i).isLessThanOrEqualTo(TOLERANCE);
                        nearTies++;
                    }
                    expected = cpu.forward(token, PROMPT + i).clone();
                    actual = gpu.forward(token, PROMPT + i).clone();
                    CudaKernelsTest.assertClose(actual, expected, TOLERANCE, "logits at generated step " + i);
                }
                System.out.println("SnapKV 48 of " + PROMPT + " on " + gpuModel.backendName() + ": same kept positions, "
                        + GENERATED + " greedy steps, " + nearTies + " near-ties");
            }
        }
    }

    /** The public path: sessions on a CUDA and a CPU model, compressing while they feed the prompt. */
    @Test
    void sessionsCompressAlikeAndAutoNowTakesCuda() throws IOException {
        ModelOptions options = ModelOptions.DEFAULTS.withThreads(2).withCompression(SNAPKV);
        try (LoadedModel cpuModel = LoadedModel.load(SharedModels.model("stories260K.gguf"), options);
             LoadedModel gpuModel = LoadedModel.load(SharedModels.model("stories260K.gguf"),
                     options.withBackend(Backend.AUTO))) {
            assertThat(cpuModel.backendName()).startsWith("cpu");
            assertThat(gpuModel.backendName()).as("AUTO with compression configured").startsWith("cuda");
            GenerationRequest request = GenerationRequest.tokens(prompt).withSampling(SamplingOptions.GREEDY)
                    .withMaxTokens(GENERATED).withIgnoreEndOfGeneration(true);
            int[] reference;
            float[][] expected;
            try (Session session = cpuModel.newSession(256)) {
                reference = session.generate(request, GenerationListener.NONE).tokens();
            }
            int[] kept;
            try (Session session = cpuModel.newSession(256)) {
                expected = session.score(request, reference);
                kept = session.kvStats().tokensPerLayer();
            }
            try (Session session = gpuModel.newSession(256)) {
                float[][] actual = session.score(request, reference);
                assertThat(session.kvStats().tokensPerLayer()).isEqualTo(kept);
                assertThat(session.kvStats().budget()).isEqualTo(48);
                assertThat(actual.length).isEqualTo(expected.length);
                for (int i = 0; i < expected.length; i++) {
                    CudaKernelsTest.assertClose(actual[i], expected[i], TOLERANCE, "session logits before token " + i);
                }
            }
        }
    }

    @Test
    void autoFallsBackToTheCpuWhenTheModelDoesNotFit() throws IOException {
        ModelOptions options = ModelOptions.DEFAULTS.withBackend(Backend.AUTO).withContextLength(Integer.MAX_VALUE);
        try (LoadedModel model = LoadedModel.load(SharedModels.model("stories260K.gguf"), options)) {
            assertThat(model.backendName()).startsWith("cpu");
        }
    }

    private static int[] positions(KvCache cache, int layer, int head) {
        int[] positions = new int[cache.length(layer, head)];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = cache.position(layer, head, i);
        }
        return positions;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
