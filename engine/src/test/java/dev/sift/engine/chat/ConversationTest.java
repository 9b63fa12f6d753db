package dev.sift.engine.chat;

import dev.sift.engine.SharedModels;
import dev.sift.engine.generation.FinishReason;
import dev.sift.engine.generation.GenerationListener;
import dev.sift.engine.generation.GenerationRequest;
import dev.sift.engine.generation.LoadedModel;
import dev.sift.engine.generation.ModelOptions;
import dev.sift.engine.sampling.SamplingOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Multi-turn chat on the Llama-3-style synthetic model, whose file carries a chat template. */
class ConversationTest {

    private static LoadedModel model;
    private static final GenerationRequest SETTINGS = GenerationRequest.tokens()
            .withSampling(SamplingOptions.GREEDY).withMaxTokens(12);

    @BeforeAll
    static void load() throws IOException {
        model = LoadedModel.load(SharedModels.model("synthetic/tiny-llama3-f32.gguf"), ModelOptions.DEFAULTS.withThreads(2));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void aSecondTurnReusesTheCacheAndMatchesAFreshConversation() {
        List<ChatMessage> messages = new ArrayList<>(List.of(ChatMessage.system("You are a helpful assistant."),
                ChatMessage.user("Hello, who are you?")));
        try (Conversation conversation = new Conversation(model)) {
            Conversation.ChatReply first = conversation.reply(messages, List.of(), SETTINGS, GenerationListener.NONE);
            assertThat(first.reusedTokens()).isZero();
            assertThat(first.promptTokens()).isEqualTo(model.tokenizer().encode(ChatTemplate.fromGguf(model.file())
                    .render(messages, true), false, true).length);

            messages.add(ChatMessage.assistant(first.content()));
            messages.add(ChatMessage.user("Tell me a story."));
            Conversation.ChatReply second = conversation.reply(messages, List.of(), SETTINGS, GenerationListener.NONE);

            try (Conversation fresh = new Conversation(model)) {
                Conversation.ChatReply expected = fresh.reply(messages, List.of(), SETTINGS, GenerationListener.NONE);
                assertThat(second.result().tokens()).containsExactly(expected.result().tokens());
                assertThat(second.content()).isEqualTo(expected.content());
            }
            assertThat(second.reusedTokens()).isPositive().isLessThan(second.promptTokens());
        }
    }

    @Test
    void theSamePromptTwiceReusesAllButTheLastToken() {
        List<ChatMessage> messages = List.of(ChatMessage.user("Hi"));
        try (Conversation conversation = new Conversation(model)) {
            Conversation.ChatReply first = conversation.reply(messages, List.of(), SETTINGS, GenerationListener.NONE);
            Conversation.ChatReply again = conversation.reply(messages, List.of(), SETTINGS, GenerationListener.NONE);
            assertThat(again.result().tokens()).containsExactly(first.result().tokens());
            assertThat(again.reusedTokens()).isEqualTo(again.promptTokens() - 1);
        }
    }

    @Test
    void repliesEndAtTheEndOfTurnTokenOrTheLimit() {
        try (Conversation conversation = new Conversation(model)) {
            Conversation.ChatReply reply = conversation.reply(List.of(ChatMessage.user("Hello")), List.of(),
                    SETTINGS.withMaxTokens(64), GenerationListener.NONE);
            int[] tokens = reply.result().tokens();
            if (reply.result().finishReason() == FinishReason.STOP) {
                assertThat(model.tokenizer().isEndOfGeneration(tokens[tokens.length - 1])).isTrue();
            } else {
                assertThat(tokens).hasSize(64);
            }
            assertThat(reply.content()).doesNotContain("<|eot_id|>");
        }
    }
}
