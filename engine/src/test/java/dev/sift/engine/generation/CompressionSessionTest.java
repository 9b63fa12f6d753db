package dev.sift.engine.generation;

import dev.sift.engine.Json;
import dev.sift.engine.SharedModels;
import dev.sift.engine.backend.CpuKernels;
import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.kv.Budget;
import dev.sift.engine.kv.CompressionMethodKind;
import dev.sift.engine.kv.CompressionOptions;
import dev.sift.engine.kv.KvStats;
import dev.sift.engine.kv.SrhProfile;
import dev.sift.engine.model.DecoderSequence;
import dev.sift.engine.model.LlamaModel;
import dev.sift.engine.model.LlamaWeights;
import dev.sift.engine.model.ModelConfig;
import dev.sift.engine.sampling.SamplingOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * KV-cache compression through the public API on stories260K (5 layers, 4 KV heads of 8), with the
 * first 128 tokens of the long-story prompt.
 */
class CompressionSessionTest {

    private static final int PROMPT = 128;
    private static final int CONTINUATION = 24;

    private static LoadedModel model;
    /** stories260K's committed SRH profile (scripts/calibrate-stories260k.sh). */
    private static SrhProfile profile;
    private static int[] prompt;
    /** The full cache's greedy continuation of the prompt. */
    private static int[] reference;
    /** The full cache's logits before each token of the reference. */
    private static float[][] full;

    @BeforeAll
    static void load() throws IOException {
        model = LoadedModel.load(SharedModels.model("stories260K.gguf"), ModelOptions.DEFAULTS.withThreads(1));
        profile = SrhProfile.load("classpath:dev/sift/engine/kv/stories260K.srh.json");
        prompt = Arrays.copyOf(Json.ints(Json.object(SharedModels.model("reference/long-story.json")).get("prompt_tokens")),
                PROMPT);
        reference = generate(CompressionOptions.NONE);
        full = score(CompressionOptions.NONE);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static GenerationRequest request(CompressionOptions compression) {
        return GenerationRequest.tokens(prompt).withSampling(SamplingOptions.GREEDY).withMaxTokens(CONTINUATION)
                .withCompression(compression);
    }

    private static CompressionOptions at(CompressionMethodKind method, int budget) {
        return CompressionOptions.of(method, Budget.tokens(budget));
    }

    private static int[] generate(CompressionOptions compression) {
        try (Session session = model.newSession(512)) {
            return session.generate(request(compression).withIgnoreEndOfGeneration(true), GenerationListener.NONE).tokens();
        }
    }

    private static float[][] score(CompressionOptions compression) {
        try (Session session = model.newSession(512)) {
            return session.score(request(compression), reference);
        }
    }

    /** The cache after the prompt alone was fed (and compressed). */
    private static KvStats prefill(CompressionOptions compression) {
        try (Session session = model.newSession(512)) {
            session.score(request(compression), new int[0]);
            return session.kvStats();
        }
    }

    private static long bytesPerToken() {
        ModelConfig c = model.config();
        return (long) c.kvHeads() * c.headDim() * 2 * ModelOptions.DEFAULTS.kvPrecision().bytes();
    }

    @Test
    void noneIsBitIdenticalToTheBareForwardPass() throws IOException {
        float[][] scored = full;
        float[][] chunked = score(CompressionOptions.NONE.withPrefillChunk(17));
        try (GgufFile file = GgufFile.open(SharedModels.model("stories260K.gguf"))) {
            ModelConfig config = ModelConfig.fromGguf(file);
            try (LlamaModel bare = new LlamaModel(LlamaWeights.bind(file, config), config, new CpuKernels(1),
                    ModelOptions.DEFAULTS.kvPrecision())) {
                DecoderSequence sequence = bare.newSequence(512);
                float[] logits = sequence.forward(prompt, 0, prompt.length, 0).clone();
                for (int i = 0; i < CONTINUATION; i++) {
                    assertThat(scored[i]).as("step %d", i).isEqualTo(logits);
                    assertThat(chunked[i]).as("chunked, step %d", i).isEqualTo(logits);
                    logits = sequence.forward(reference[i], prompt.length + i).clone();
                }
            }
        }
        assertThat(generate(CompressionOptions.NONE)).containsExactly(reference);
    }

    @ParameterizedTest
    @EnumSource(value = CompressionMethodKind.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void aBudgetCoveringTheSequenceChangesNothing(CompressionMethodKind method) {
        // The sentence method chooses its active set as generation goes, so the budget must cover the continuation too.
        CompressionOptions roomy = at(method, prompt.length + CONTINUATION);
        assertThat(generate(roomy)).containsExactly(reference);
        float[][] scored = score(roomy);
        for (int i = 0; i < CONTINUATION; i++) {
            assertThat(scored[i]).as("step %d", i).isEqualTo(full[i]);
        }
        assertThat(prefill(roomy).ratio()).isEqualTo(1.0);
    }

    @ParameterizedTest
    @EnumSource(value = CompressionMethodKind.class, names = {"NONE", "SENTENCE"}, mode = EnumSource.Mode.EXCLUDE)
    void compressionKeepsTheBudgetAndTheMemoryShrinksToMatch(CompressionMethodKind method) {
        KvStats stats = prefill(at(method, 64));
        int[] expected = method == CompressionMethodKind.PYRAMIDKV ? new int[]{91, 77, 64, 51, 37} : new int[]{64, 64, 64, 64, 64};
        assertThat(stats.tokensPerLayer()).containsExactly(expected);
        assertThat(stats.budget()).isEqualTo(64);
        // Acceptance: bytes held = kept tokens × layers × KV heads × head dim × 2 × element bytes (here 64 × 5 layers).
        assertThat(stats.bytesHeld()).isEqualTo(64L * 5 * bytesPerToken());
        assertThat(stats.ratio()).isEqualTo(64.0 / PROMPT);
        assertThat(stats.peakBytes()).isEqualTo((long) PROMPT * 5 * bytesPerToken());
    }

    @Test
    void chunkedPrefillNeverHoldsMoreThanTheBudgetPlusOneChunk() {
        KvStats stats = prefill(at(CompressionMethodKind.SNAPKV, 64).withPrefillChunk(32));
        assertThat(stats.peakBytes()).isEqualTo((64L + 32) * 5 * bytesPerToken());
        assertThat(stats.bytesHeld()).isEqualTo(64L * 5 * bytesPerToken());
    }

    @Test
    void decodeIntervalKeepsLongGenerationsWithinBudget() {
        try (Session session = model.newSession(512)) {
            GenerationResult result = session.generate(request(at(CompressionMethodKind.STREAMING, 64).withDecodeInterval(8))
                    .withMaxTokens(60).withIgnoreEndOfGeneration(true), GenerationListener.NONE);
            assertThat(result.tokens()).hasSize(60);
            // 59 generated tokens were evaluated: compressed back to 64 after 56, then 3 more.
            assertThat(result.kv().tokensPerLayer()).containsOnly(67);
        }
    }

    @Test
    void aShareBudgetIsTakenOfThePrompt() {
        assertThat(prefill(CompressionOptions.of(CompressionMethodKind.SNAPKV, Budget.parse("40%"))).tokensPerLayer())
                .containsOnly(51);
    }

    @Test
    void theRequestOverridesTheModelDefault() throws IOException {
        ModelOptions options = ModelOptions.DEFAULTS.withThreads(2).withCompression(at(CompressionMethodKind.SNAPKV, 64));
        try (LoadedModel compressing = LoadedModel.load(SharedModels.model("stories260K.gguf"), options);
             Session session = compressing.newSession(512)) {
            session.score(request(null), new int[0]);
            assertThat(session.kvStats().method()).isEqualTo(CompressionMethodKind.SNAPKV);
            assertThat(session.kvStats().tokensPerLayer()).containsOnly(64);

            session.reset();
            session.score(request(CompressionOptions.NONE), new int[0]);
            assertThat(session.kvStats().tokensPerLayer()).containsOnly(PROMPT);
        }
    }

    @Test
    void continuingWithAnEmptyPromptDoesNotCompressAgain() {
        try (Session session = model.newSession(512)) {
            CompressionOptions snap = at(CompressionMethodKind.SNAPKV, 64);
            session.score(request(snap), new int[0]);
            GenerationResult result = session.generate(GenerationRequest.tokens().withSampling(SamplingOptions.GREEDY)
                    .withMaxTokens(6).withIgnoreEndOfGeneration(true).withCompression(snap), GenerationListener.NONE);
            assertThat(result.kv().tokensPerLayer()).containsOnly(64 + 5);
            // The next prompt is compressed with the rest.
            session.score(GenerationRequest.tokens(prompt[1], prompt[2]).withCompression(snap), new int[0]);
            assertThat(session.kvStats().tokensPerLayer()).containsOnly(64);
        }
    }

    @ParameterizedTest
    @EnumSource(value = CompressionMethodKind.class, names = {"SRH", "SRH_UNIFORM", "SRH_KVHEAD"})
    void srhWithTheCalibratedProfileChangesNothingAtFullBudgetAndKeepsTheTotalBelowIt(CompressionMethodKind method) {
        CompressionOptions roomy = at(method, prompt.length).withProfile(profile);
        assertThat(generate(roomy)).containsExactly(reference);
        assertThat(score(roomy)[CONTINUATION - 1]).isEqualTo(full[CONTINUATION - 1]);

        KvStats stats = prefill(at(method, 64).withProfile(profile));
        int[] perLayer = stats.tokensPerLayer();
        assertThat(Arrays.stream(perLayer).sum()).isEqualTo(5 * 64);
        assertThat(stats.bytesHeld()).isEqualTo(5L * 64 * bytesPerToken());
        double[] errors = profile.layerErrors();
        for (int l = 0; l < 5; l++) {
            // Sinks and window always; never more than 3 × the average; a larger error never gets less.
            assertThat(perLayer[l]).isBetween(36, 3 * 64);
            for (int m = 0; m < 5; m++) {
                if (method != CompressionMethodKind.SRH_UNIFORM && errors[l] > errors[m]) {
                    assertThat(perLayer[l]).isGreaterThanOrEqualTo(perLayer[m]);
                }
            }
        }
        if (method == CompressionMethodKind.SRH_UNIFORM) {
            assertThat(perLayer).containsOnly(64);
        } else {
            assertThat(perLayer).isNotEqualTo(new int[]{64, 64, 64, 64, 64});
        }
    }

    @Test
    void aProfileOfAnotherModelIsRefusedByRequestsAndAtLoad() throws IOException {
        CompressionOptions foreign = at(CompressionMethodKind.SRH, 64).withProfile(profile);
        try (LoadedModel other = LoadedModel.load(SharedModels.model("synthetic/tiny-llama-f32.gguf"),
                ModelOptions.DEFAULTS.withThreads(1)); Session session = other.newSession(64)) {
            assertThatThrownBy(() -> session.generate(GenerationRequest.text("Hi").withCompression(foreign),
                    GenerationListener.NONE))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not on this model, " + other.identity());
        }
        assertThatThrownBy(() -> LoadedModel.load(SharedModels.model("synthetic/tiny-llama-f32.gguf"),
                ModelOptions.DEFAULTS.withThreads(1).withCompression(foreign)))
                .hasMessageStartingWith("the SRH profile was calibrated on llama");
    }
}
