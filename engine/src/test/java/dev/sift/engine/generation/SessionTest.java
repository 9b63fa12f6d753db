package dev.sift.engine.generation;

import dev.sift.engine.Json;
import dev.sift.engine.SharedModels;
import dev.sift.engine.sampling.SamplingOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The public generation API on stories260K. */
class SessionTest {

    private static LoadedModel model;

    @BeforeAll
    static void load() throws IOException {
        model = LoadedModel.load(SharedModels.model("stories260K.gguf"), ModelOptions.DEFAULTS.withThreads(2));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static GenerationRequest greedy(String prompt) {
        return GenerationRequest.text(prompt).withSampling(SamplingOptions.GREEDY);
    }

    @Test
    void greedyFromBosReproducesThePublishedStory() throws IOException {
        String readme = Files.readString(SharedModels.model("README.md"));
        int start = readme.indexOf("```\n", readme.indexOf("Greedy generation from BOS alone")) + 4;
        String published = readme.substring(start, readme.indexOf("\n```", start));

        List<String> pieces = new ArrayList<>();
        try (Session session = model.newSession()) {
            GenerationResult result = session.generate(greedy("").withMaxTokens(256), pieces::add);

            assertThat(result.text()).isEqualTo(published);
            assertThat(String.join("", pieces)).isEqualTo(published);
            assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(result.usage()).isEqualTo(new Usage(1, 256));
        }
    }

    @Test
    void streamsTheReferenceContinuation() throws IOException {
        Map<String, Object> reference = Json.object(SharedModels.model("reference/park-dog.json"));
        int[] expected = Json.ints(reference.get("greedy_tokens"));
        try (Session session = model.newSession()) {
            GenerationResult result = session.generate(greedy((String) reference.get("prompt")).withMaxTokens(expected.length),
                    GenerationListener.NONE);
            assertThat(result.tokens()).containsExactly(expected);
            assertThat(result.text()).isEqualTo(reference.get("greedy_text"));
            assertThat(result.usage().promptTokens()).isEqualTo(Json.ints(reference.get("prompt_tokens")).length);
        }
    }

    @Test
    void stopsAtBosLikeTheModelsAuthor() throws IOException {
        // long-story's greedy continuation emits BOS (id 1) as its 186th token.
        Map<String, Object> reference = Json.object(SharedModels.model("reference/long-story.json"));
        int[] expected = Json.ints(reference.get("greedy_tokens"));
        try (Session session = model.newSession(512)) {
            GenerationResult result = session.generate(GenerationRequest.tokens(Json.ints(reference.get("prompt_tokens")))
                    .withSampling(SamplingOptions.GREEDY), GenerationListener.NONE);
            assertThat(result.finishReason()).isEqualTo(FinishReason.STOP);
            assertThat(result.tokens()).containsExactly(Arrays.copyOf(expected, 186));
            assertThat(result.tokens()[185]).isEqualTo(1);
        }
    }

    @Test
    void continuingASessionEqualsOneLongPrompt() {
        int[] whole;
        try (Session session = model.newSession()) {
            whole = session.generate(greedy("Once upon a time, there was a dog").withMaxTokens(20), GenerationListener.NONE).tokens();
        }
        try (Session session = model.newSession()) {
            session.generate(greedy("Once upon a time").withMaxTokens(3), GenerationListener.NONE);
            // The three generated tokens are ", there was"; the second turn appends " a dog".
            int[] held = session.tokens();
            assertThat(held[0]).isEqualTo(model.tokenizer().bosId());
            assertThat(model.tokenizer().decode(Arrays.copyOfRange(held, 1, held.length)))
                    .isEqualTo("Once upon a time, there was");
            int[] turn = model.tokenizer().encode("a dog", false, false);
            GenerationResult next = session.generate(GenerationRequest.tokens(turn).withSampling(SamplingOptions.GREEDY)
                    .withMaxTokens(20), GenerationListener.NONE);
            assertThat(next.tokens()).containsExactly(whole);
        }
    }

    @Test
    void rewindDropsLaterTokensAndTheirCache() {
        int[] expected;
        try (Session session = model.newSession()) {
            expected = session.generate(greedy("Once upon a time, there was a dog").withMaxTokens(10), GenerationListener.NONE).tokens();
        }
        try (Session session = model.newSession()) {
            session.generate(greedy("Once upon a time, there was a cat who").withMaxTokens(5), GenerationListener.NONE);
            int[] shared = model.tokenizer().encode("Once upon a time, there was a", true, false);
            session.rewind(shared.length);
            assertThat(session.tokens()).containsExactly(shared);
            assertThat(session.kvCache().length(0, 0)).isEqualTo(shared.length);
            assertThatThrownBy(() -> session.generate(GenerationRequest.tokens().withSampling(SamplingOptions.GREEDY),
                    GenerationListener.NONE)).hasMessageContaining("prompt is empty");
            GenerationResult next = session.generate(GenerationRequest.tokens(model.tokenizer().encode("dog", false, false))
                    .withSampling(SamplingOptions.GREEDY).withMaxTokens(10), GenerationListener.NONE);
            assertThat(next.tokens()).containsExactly(expected);
            assertThatThrownBy(() -> session.rewind(session.length() + 1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void sameSeedSameTextDifferentSeedDifferentText() {
        SamplingOptions sampling = SamplingOptions.DEFAULTS.withTemperature(1.0f).withTopK(0).withTopP(1f).withMinP(0f);
        String first = sample(sampling.withSeed(42L));
        assertThat(sample(sampling.withSeed(42L))).isEqualTo(first);
        assertThat(sample(sampling.withSeed(7L))).isNotEqualTo(first);
    }

    private static String sample(SamplingOptions sampling) {
        try (Session session = model.newSession()) {
            return session.generate(GenerationRequest.text("Once upon a time").withSampling(sampling).withMaxTokens(60),
                    GenerationListener.NONE).text();
        }
    }

    @Test
    void maxTokensEndsWithLength() {
        try (Session session = model.newSession()) {
            GenerationResult result = session.generate(greedy("Once upon a time").withMaxTokens(5), GenerationListener.NONE);
            assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(result.tokens()).hasSize(5);
            assertThat(result.text()).isEqualTo(", there was a little");
        }
    }

    @Test
    void stopSequenceSpanningTokensIsCutAndNeverStreamed() {
        List<String> pieces = new ArrayList<>();
        try (Session session = model.newSession()) {
            GenerationResult result = session.generate(greedy("Once upon a time")
                    .withStopSequences(List.of("named Li")), pieces::add);
            assertThat(result.finishReason()).isEqualTo(FinishReason.STOP);
            assertThat(result.text()).isEqualTo(", there was a little girl ");
            assertThat(String.join("", pieces)).isEqualTo(result.text());
        }
    }

    @Test
    void stopTokenIdEndsGeneration() {
        int girl = model.tokenizer().encode("girl", false, false)[0];
        try (Session session = model.newSession()) {
            GenerationResult result = session.generate(greedy("Once upon a time").withStopTokens(girl), GenerationListener.NONE);
            assertThat(result.finishReason()).isEqualTo(FinishReason.STOP);
            assertThat(result.text()).isEqualTo(", there was a little");
            assertThat(result.tokens()[result.tokens().length - 1]).isEqualTo(girl);
        }
    }

    @Test
    void promptLongerThanContextNamesBothNumbers() {
        try (Session session = model.newSession(8)) {
            assertThatThrownBy(() -> session.generate(greedy("Once upon a time, there was a little girl"), GenerationListener.NONE))
                    .isInstanceOf(ContextOverflowException.class)
                    .hasMessageContaining("needs 13 tokens")
                    .hasMessageContaining("context holds 8");
        }
    }

    @Test
    void generationStopsWhenTheContextIsFull() {
        try (Session session = model.newSession(16)) {
            GenerationResult result = session.generate(greedy("Once upon a time"), GenerationListener.NONE);
            assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(result.usage().totalTokens()).isEqualTo(16);
            assertThatThrownBy(() -> session.generate(greedy(" more"), GenerationListener.NONE))
                    .isInstanceOf(ContextOverflowException.class);
        }
    }

    @Test
    void maxTokensBeyondTheRemainingContextEndsWithLengthAtTheContextEnd() {
        try (Session session = model.newSession(16)) {
            GenerationResult result = session.generate(greedy("Once upon a time").withMaxTokens(1000), GenerationListener.NONE);
            assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(result.usage().totalTokens()).isEqualTo(16);
            assertThat(session.length()).isEqualTo(16);
        }
    }

    @Test
    void outOfVocabularyPromptTokenIsRejected() {
        try (Session session = model.newSession()) {
            assertThatThrownBy(() -> session.generate(GenerationRequest.tokens(1, 512), GenerationListener.NONE))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("512");
        }
    }

    @Test
    void cancelFromAnotherThread() throws Exception {
        CountDownLatch firstPiece = new CountDownLatch(1);
        try (Session session = model.newSession()) {
            CompletableFuture<GenerationResult> running = CompletableFuture.supplyAsync(() ->
                    session.generate(greedy("Once upon a time"), piece -> {
                        firstPiece.countDown();
                        sleepQuietly();
                    }));
            assertThat(firstPiece.await(30, TimeUnit.SECONDS)).isTrue();
            session.cancel();
            GenerationResult result = running.get(30, TimeUnit.SECONDS);
            assertThat(result.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(result.tokens().length).isBetween(1, 10);
        }
    }

    @Test
    void closingASessionGivesBackItsCacheAfterAFinishedOrCancelledGeneration() {
        Session finished = model.newSession();
        finished.generate(greedy("Once upon a time").withMaxTokens(20), GenerationListener.NONE);
        assertThat(finished.kvCache().allocatedBytes()).isPositive();
        finished.close();
        assertThat(finished.kvCache().allocatedBytes()).isZero();

        Session cancelled = model.newSession();
        GenerationResult result = cancelled.generate(greedy("Once upon a time"), piece -> cancelled.cancel());
        assertThat(result.finishReason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(cancelled.kvCache().allocatedBytes()).isPositive();
        cancelled.close();
        assertThat(cancelled.kvCache().allocatedBytes()).isZero();
        assertThatThrownBy(() -> cancelled.generate(greedy("The end"), GenerationListener.NONE))
                .isInstanceOf(IllegalStateException.class).hasMessage("session is closed");
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void concurrentSessionsOnOneModelDoNotInterfere() throws Exception {
        String alone;
        try (Session session = model.newSession()) {
            alone = session.generate(greedy("The bird").withMaxTokens(40), GenerationListener.NONE).text();
        }
        List<CompletableFuture<String>> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            runs.add(CompletableFuture.supplyAsync(() -> {
                try (Session session = model.newSession()) {
                    return session.generate(greedy("The bird").withMaxTokens(40), GenerationListener.NONE).text();
                }
            }));
        }
        for (CompletableFuture<String> run : runs) {
            assertThat(run.get(60, TimeUnit.SECONDS)).isEqualTo(alone);
        }
    }
}
