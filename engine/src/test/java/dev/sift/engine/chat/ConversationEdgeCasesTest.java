package dev.sift.engine.chat;

import dev.sift.engine.SharedModels;
import dev.sift.engine.generation.ContextOverflowException;
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
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bad and borderline chat requests on the Llama-3-style synthetic model: each fails clearly or works. */
class ConversationEdgeCasesTest {

    private static LoadedModel model;
    private static ChatTemplate template;
    private static final GenerationRequest GREEDY = GenerationRequest.tokens().withSampling(SamplingOptions.GREEDY);

    @BeforeAll
    static void load() throws IOException {
        model = LoadedModel.load(SharedModels.model("synthetic/tiny-llama3-f32.gguf"), ModelOptions.DEFAULTS.withThreads(2));
        template = ChatTemplate.fromGguf(model.file());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static int promptTokens(List<ChatMessage> messages) {
        try (Conversation conversation = new Conversation(model)) {
            return conversation.reply(messages, List.of(), GREEDY.withMaxTokens(1), GenerationListener.NONE).promptTokens();
        }
    }

    @Test
    void aConversationLongerThanTheContextNamesBothNumbers() {
        List<ChatMessage> messages = List.of(ChatMessage.user("Once upon a time there was a little girl named Lily."));
        int needed = promptTokens(messages);
        try (Conversation conversation = new Conversation(model, template, model.newSession(needed - 1))) {
            assertThatThrownBy(() -> conversation.reply(messages, List.of(), GREEDY, GenerationListener.NONE))
                    .isInstanceOf(ContextOverflowException.class)
                    .hasMessageContaining("needs " + needed + " tokens")
                    .hasMessageContaining("context holds " + (needed - 1));
        }
    }

    @Test
    void maxTokensBeyondTheContextEndsWithLengthAtTheContextEnd() {
        List<ChatMessage> messages = List.of(ChatMessage.user("Hi"));
        int prompt = promptTokens(messages);
        int context = prompt + 5;
        try (Conversation conversation = new Conversation(model, template, model.newSession(context))) {
            // The end-of-turn token would also end the reply; ignoring it makes the context the only limit.
            Conversation.ChatReply reply = conversation.reply(messages, List.of(),
                    GREEDY.withMaxTokens(10_000).withIgnoreEndOfGeneration(true), GenerationListener.NONE);
            assertThat(reply.result().finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(reply.result().tokens()).hasSize(context - prompt);
            assertThat(conversation.session().length()).isEqualTo(context);
        }
    }

    @Test
    void anEmptyMessageListIsRejectedClearly() {
        try (Conversation conversation = new Conversation(model)) {
            assertThatThrownBy(() -> conversation.reply(List.of(), List.of(), GREEDY, GenerationListener.NONE))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("a chat request needs at least one message; the message list is empty");
        }
    }

    @Test
    void anEmptyMessageIsAnsweredLikeAnyOther() {
        try (Conversation conversation = new Conversation(model)) {
            Conversation.ChatReply reply = conversation.reply(List.of(ChatMessage.user("")), List.of(),
                    GREEDY.withMaxTokens(4), GenerationListener.NONE);
            assertThat(reply.result().tokens()).isNotEmpty();
            assertThat(reply.promptTokens()).isPositive();
        }
    }

    @Test
    void anUnknownRoleIsRejectedWhenTheMessageIsMade() {
        assertThatThrownBy(() -> new ChatMessage("robot", "beep", List.of(), null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown chat role 'robot' (valid roles: system, user, assistant, tool)");
    }

    @Test
    void loneSurrogatesInAMessageDoNotBreakTheReply() {
        try (Conversation conversation = new Conversation(model)) {
            Conversation.ChatReply reply = conversation.reply(List.of(ChatMessage.user("bad \uD800 text \uDC00!")),
                    List.of(), GREEDY.withMaxTokens(4), GenerationListener.NONE);
            assertThat(reply.result().tokens()).isNotEmpty();
        }
    }
}
