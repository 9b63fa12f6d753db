package dev.sift.engine.generation;

import dev.sift.engine.Json;
import dev.sift.engine.SharedModels;
import dev.sift.engine.chat.ChatTemplate;
import dev.sift.engine.chat.ChatMessage;
import dev.sift.engine.chat.Conversation;
import dev.sift.engine.kv.Budget;
import dev.sift.engine.kv.CompressionMethodKind;
import dev.sift.engine.kv.CompressionOptions;
import dev.sift.engine.kv.KvCache;
import dev.sift.engine.kv.KvStats;
import dev.sift.engine.kv.SentenceOptions;
import dev.sift.engine.kv.Sentences;
import dev.sift.engine.model.DecoderSequence;
import dev.sift.engine.model.ForwardingDecoderSequence;
import dev.sift.engine.model.ModelConfig;
import dev.sift.engine.sampling.SamplingOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code sentence} method through the public API on stories260K (5 layers, 4 KV heads of 8): the
 * store and the active set, re-selection during generation, and reuse across chat turns.
 */
class SentenceCompressionTest {

    private static final int PROMPT = 192;
    private static final int BUDGET = 64;

    private static LoadedModel model;
    private static int[] prompt;

    @BeforeAll
    static void load() throws IOException {
        model = LoadedModel.load(SharedModels.model("stories260K.gguf"), ModelOptions.DEFAULTS.withThreads(1));
        prompt = Arrays.copyOf(Json.ints(Json.object(SharedModels.model("reference/long-story.json")).get("prompt_tokens")),
                PROMPT);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static CompressionOptions sentence(int storeFactor) {
        return CompressionOptions.of(CompressionMethodKind.SENTENCE, Budget.tokens(BUDGET))
                .withSentence(SentenceOptions.DEFAULTS.withStoreFactor(storeFactor));
    }

    private static GenerationRequest request(CompressionOptions compression, int maxTokens) {
        return GenerationRequest.tokens(prompt).withSampling(SamplingOptions.GREEDY).withMaxTokens(maxTokens)
                .withIgnoreEndOfGeneration(true).withCompression(compression);
    }

    private static Sentences sentencesOf(int[] tokens) {
        Sentences sentences = new Sentences(model.tokenizer(), SentenceOptions.DEFAULTS.targetLength(),
                SentenceOptions.DEFAULTS.maximumLength());
        for (int token : tokens) {
            sentences.append(token);
        }
        return sentences;
    }

    /** Positions one (layer, KV head) of the cache holds. */
    private static Set<Integer> held(KvCache cache, int layer, int head) {
        Set<Integer> positions = new HashSet<>();
        for (int e = 0; e < cache.length(layer, head); e++) {
            positions.add(cache.position(layer, head, e));
        }
        return positions;
    }

    private static void assertWholeSentences(KvCache cache, Sentences sentences, int length, CompressionOptions options) {
        assertWholeSentences(cache, sentences, length, options, 0);
    }

    /**
     * The sinks and the last {@code window} positions are held, and every position held between the
     * sinks and the {@code generated} positions before that window, together with its whole sentence
     * (clipped to that range): those generated since the last choice are left out of the check.
     */
    private static void assertWholeSentences(KvCache cache, Sentences sentences, int length, CompressionOptions options,
                                             int generated) {
        int from = options.sinks();
        int to = length - options.window() - generated;
        for (int layer = 0; layer < cache.layers(); layer++) {
            for (int head = 0; head < cache.kvHeads(); head++) {
                Set<Integer> held = held(cache, layer, head);
                for (int p = 0; p < from; p++) {
                    assertThat(held).contains(p);
                }
                for (int p = length - options.window(); p < length; p++) {
                    assertThat(held).contains(p);
                }
                for (int p : held) {
                    if (p >= from && p < to) {
                        int j = sentences.sentenceAt(p);
                        for (int q = Math.max(from, sentences.start(j)); q < Math.min(to, sentences.end(j)); q++) {
                            assertThat(held).as("layer %d head %d holds %d but not %d of its sentence", layer, head, p, q)
                                    .contains(q);
                        }
                    }
                }
            }
        }
    }

    /** The sequence, noting the position of every token it runs through the model in {@code positions}. */
    private static DecoderSequence recordingPositions(DecoderSequence sequence, List<Integer> positions) {
        return new ForwardingDecoderSequence(sequence) {
            @Override
            public float[] forward(int token, int position) {
                positions.add(position);
                return super.forward(token, position);
            }

            @Override
            public float[] forward(int[] tokens, int from, int to, int position) {
                for (int i = from; i < to; i++) {
                    positions.add(position + i - from);
                }
                return super.forward(tokens, from, to, position);
            }
        };
    }

    private static int mostHeld(KvStats stats) {
        return Arrays.stream(stats.tokensPerLayer()).max().orElseThrow();
    }

    private static long bytesPerEntry(int bytesPerNumber) {
        ModelConfig c = model.config();
        return (long) c.headDim() * 2 * bytesPerNumber;
    }

    private static long entries(KvCache cache) {
        long entries = 0;
        for (int layer = 0; layer < cache.layers(); layer++) {
            for (int head = 0; head < cache.kvHeads(); head++) {
                entries += cache.length(layer, head);
            }
        }
        return entries;
    }

    @Test
    void afterThePromptAttentionHoldsWholeSentencesWithinTheBudgetAndTheStoreHoldsThePrompt() {
        CompressionOptions options = sentence(3);
        try (Session session = model.newSession(512)) {
            session.score(request(options, 0), new int[0]);
            KvStats stats = session.kvStats();
            KvCache cache = session.kvCache();
            assertThat(stats.method()).isEqualTo(CompressionMethodKind.SENTENCE);
            assertThat(Arrays.stream(stats.tokensPerLayer()).min().orElseThrow()).isGreaterThanOrEqualTo(options.reserved());
            assertThat(mostHeld(stats)).isLessThanOrEqualTo(BUDGET);
            assertWholeSentences(cache, sentencesOf(prompt), PROMPT, options);
            // Attention holds exactly its entries (half precision by default); the store (3 × 64 > 192 tokens) keeps the
            // whole prompt in half precision, with room to grow (no sentence statistics yet: the prompt's end ranks
            // sentences by window attention).
            assertThat(stats.bytesHeld()).isEqualTo(entries(cache) * bytesPerEntry(Short.BYTES));
            long store = (long) PROMPT * 5 * 4 * bytesPerEntry(Short.BYTES);
            assertThat(stats.storeBytes()).isGreaterThanOrEqualTo(store).isLessThan(store * 2);
            assertThat(stats.peakBytes()).isEqualTo((long) PROMPT * 5 * 4 * bytesPerEntry(Short.BYTES));
            assertThat(stats.reuse()).isNaN();
        }
    }

    @Test
    void aSmallerStoreHoldsLessAndAttentionStillHoldsWholeSentences() {
        try (Session whole = model.newSession(512); Session smaller = model.newSession(512)) {
            whole.score(request(sentence(3), 0), new int[0]);
            smaller.score(request(sentence(2), 0), new int[0]);
            // 2 × 64 = 128 of the 192 prompt tokens stay in the store.
            assertThat(smaller.kvStats().storeBytes()).isLessThan(whole.kvStats().storeBytes() * 3 / 4);
            assertWholeSentences(smaller.kvCache(), sentencesOf(prompt), PROMPT, sentence(2));
        }
    }

    @Test
    void generationChoosesTheActiveSetAgainAtSentenceEndsAndReusesMostOfIt() {
        CompressionOptions options = sentence(3);
        try (Session session = model.newSession(512)) {
            GenerationResult result = session.generate(request(options, 96), GenerationListener.NONE);
            assertThat(result.tokens()).hasSize(96);
            KvStats stats = result.kv();
            assertThat(stats.reuse()).isBetween(0.0, 1.0);
            // Attention holds the budget plus at most the tokens generated since the last choice (one sentence).
            assertThat(mostHeld(stats)).isLessThanOrEqualTo(BUDGET + SentenceOptions.DEFAULTS.maximumLength());
            int[] all = session.tokens();
            // The last generated token was sampled but not evaluated.
            int evaluated = all.length - 1;
            Sentences sentences = sentencesOf(Arrays.copyOf(all, evaluated));
            assertThat(sentences.count()).isGreaterThan(sentencesOf(prompt).count());
            // Appending grows the attention arrays ahead of use; the bytes count what is allocated.
            long filled = entries(session.kvCache()) * bytesPerEntry(Short.BYTES);
            assertThat(stats.bytesHeld()).isBetween(filled, 2 * filled);
            assertThat(stats.storeBytes()).isGreaterThan((long) evaluated * 5 * 4 * bytesPerEntry(Short.BYTES));
        }
    }

    @ParameterizedTest
    @EnumSource(SentenceOptions.Scoring.class)
    void everyScoringKeepsWholeSentencesWithinTheBudget(SentenceOptions.Scoring scoring) {
        CompressionOptions options = sentence(3).withSentence(SentenceOptions.DEFAULTS.withScoring(scoring).withReselectInterval(8));
        try (Session session = model.newSession(512)) {
            GenerationResult result = session.generate(request(options, 40), GenerationListener.NONE);
            assertThat(mostHeld(result.kv())).isLessThanOrEqualTo(BUDGET + 8);
            assertThat(result.kv().reuse()).isBetween(0.0, 1.0);
            int evaluated = session.length() - 1;
            assertWholeSentences(session.kvCache(), sentencesOf(Arrays.copyOf(session.tokens(), evaluated)), evaluated,
                    options, 8);
        }
    }

    @Test
    void aReselectIntervalChoosesMoreOftenThanSentenceEndsAlone() {
        try (Session atEnds = model.newSession(512); Session everyFour = model.newSession(512)) {
            KvStats ends = atEnds.generate(request(sentence(3), 64), GenerationListener.NONE).kv();
            KvStats often = everyFour.generate(request(sentence(3).withSentence(SentenceOptions.DEFAULTS.withReselectInterval(4)), 64),
                    GenerationListener.NONE).kv();
            // Choosing every 4 tokens bounds what attention holds beyond the budget by 4.
            assertThat(mostHeld(often)).isLessThanOrEqualTo(BUDGET + 4);
            assertThat(often.reuse()).isBetween(0.0, 1.0);
            assertThat(ends.reuse()).isBetween(0.0, 1.0);
        }
    }

    @Test
    void aSecondChatTurnContinuesOnTheCompressedCacheWithoutRecomputingThePrefix() {
        GenerationRequest settings = GenerationRequest.tokens().withSampling(SamplingOptions.GREEDY).withMaxTokens(24)
                .withIgnoreEndOfGeneration(true).withCompression(sentence(3));
        String story = model.tokenizer().decode(prompt);
        List<ChatMessage> messages = new ArrayList<>(List.of(ChatMessage.user(story)));
        List<Integer> forwarded = new ArrayList<>();
        try (Conversation conversation = new Conversation(model, ChatTemplate.chatml(),
                model.newSession(512, sequence -> recordingPositions(sequence, forwarded)))) {
            Conversation.ChatReply first = conversation.reply(messages, List.of(), settings, GenerationListener.NONE);
            assertThat(first.reusedTokens()).isZero();
            KvStats afterFirst = first.result().kv();
            int heldAfterFirst = conversation.session().length();

            messages.add(ChatMessage.assistant(first.result().text()));
            messages.add(ChatMessage.user("Then what happened?"));
            forwarded.clear();
            Conversation.ChatReply second = conversation.reply(messages, List.of(), settings, GenerationListener.NONE);
            // No position of the reused prefix went through the model again (the one before it may: the token
            // sampled last in the first turn, which was never evaluated), and each new position went through once.
            assertThat(forwarded).allSatisfy(position -> assertThat(position).isGreaterThanOrEqualTo(second.reusedTokens() - 1));
            assertThat(forwarded).doesNotHaveDuplicates();
            assertThat(forwarded.size()).isBetween(second.result().usage().promptTokens() + 23,
                    second.result().usage().promptTokens() + 24);
            // Only the new part of the conversation went through the model: the first turn's prompt and most of
            // its reply were reused from the compressed cache and its store.
            assertThat(second.reusedTokens()).isGreaterThanOrEqualTo(first.promptTokens());
            assertThat(second.reusedTokens()).isLessThanOrEqualTo(heldAfterFirst);
            assertThat(second.result().usage().promptTokens()).isEqualTo(second.promptTokens() - second.reusedTokens());
            assertThat(second.result().usage().promptTokens()).isLessThan(second.promptTokens() / 4);
            KvStats afterSecond = second.result().kv();
            assertThat(mostHeld(afterSecond)).isLessThanOrEqualTo(BUDGET + SentenceOptions.DEFAULTS.maximumLength());
            assertThat(afterSecond.storeBytes()).isGreaterThan(afterFirst.storeBytes());
            assertThat(afterSecond.reuse()).isBetween(0.0, 1.0);
        }
    }
}
