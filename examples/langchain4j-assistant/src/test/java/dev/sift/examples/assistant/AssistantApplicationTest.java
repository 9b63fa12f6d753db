package dev.sift.examples.assistant;

import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.query.Query;
import dev.sift.engine.SharedModels;
import dev.sift.spring.langchain4j.SiftLangChain4jChatModel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(properties = {"assistant.demo=false", "sift.chat.temperature=0", "sift.chat.max-tokens=16",
        "sift.model.threads=2"})
class AssistantApplicationTest {

    // The recording listener is shared with AssistantToolsTest.

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        registry.add("sift.model.path", () -> SharedModels.model("stories260K.gguf").toString());
    }

    /** Records every request the chat models receive, and every response. */
    public static class RecordingListener implements ChatModelListener {
        final List<ChatRequest> requests = new CopyOnWriteArrayList<>();
        final List<ChatResponse> responses = new CopyOnWriteArrayList<>();

        @Override
        public void onRequest(ChatModelRequestContext context) {
            requests.add(context.chatRequest());
        }

        @Override
        public void onResponse(ChatModelResponseContext context) {
            responses.add(context.chatResponse());
        }
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class Listening {
        @Bean
        RecordingListener recordingListener() {
            return new RecordingListener();
        }
    }

    @Autowired
    Assistant assistant;
    @Autowired
    RecordingListener listener;
    @Autowired
    KeywordContentRetriever retriever;
    @Autowired
    Document longDocument;
    @Autowired
    DocumentQa.Retrieving retrievingQa;
    @Autowired
    DocumentQa.WholeDocument wholeDocumentQa;
    @Autowired
    SiftLangChain4jChatModel chatModel;

    @BeforeEach
    void clear() {
        listener.requests.clear();
        listener.responses.clear();
    }

    @Test
    void answersThroughAiServicesSyncAndStreaming() throws Exception {
        String told = assistant.chat("sync-user", "Once upon a time");
        assertThat(told).isNotBlank();
        assertThat(listener.responses).singleElement()
                .satisfies(response -> assertThat(response.tokenUsage().outputTokenCount()).isEqualTo(16));

        List<String> pieces = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        assistant.chatStreaming("streaming-user", "Once upon a time")
                .onPartialResponse(pieces::add)
                .onCompleteResponse(done::complete)
                .onError(done::completeExceptionally)
                .start();
        ChatResponse streamed = done.get(60, TimeUnit.SECONDS);
        assertThat(streamed.tokenUsage().outputTokenCount()).isEqualTo(16);
        assertThat(streamed.aiMessage().text()).isNotBlank();
        // Same greedy prompt (a fresh user, same system and user message): the same reply, sync or streamed.
        assertThat(streamed.aiMessage().text()).isEqualTo(told);
    }

    @Test
    void memoryCarriesEarlierTurnsPerUser() {
        assistant.chat("alice", "Once upon a time");
        assistant.chat("alice", "The end");
        assistant.chat("bob", "Once upon a time");
        // system + user; then system + (user, assistant) + user; bob starts afresh.
        assertThat(listener.requests).extracting(request -> request.messages().size()).containsExactly(2, 4, 2);
        // Without assistant.tools (stories260K has no tool calling), no tool specification is sent.
        assertThat(listener.requests).allSatisfy(request -> assertThat(request.toolSpecifications()).isEmpty());
        assertThat(listener.requests.get(1).messages().get(1).toString()).contains("Once upon a time");
    }

    @Test
    void theRetrieverReturnsTheSegmentsHoldingTheQuerysWords() {
        assertThat(retriever.segments()).hasSizeGreaterThan(5)
                .allSatisfy(segment -> assertThat(segment.text().length()).isLessThanOrEqualTo(400));

        List<String> pepper = texts(retriever.retrieve(Query.from("Who owned the gray cat Pepper?")));
        assertThat(pepper).isNotEmpty().first().asString().contains("gray cat named Pepper");
        assertThat(pepper).allSatisfy(text -> assertThat(text.toLowerCase()).containsAnyOf("gray", "cat", "pepper", "owned"));

        List<String> dragon = texts(retriever.retrieve(Query.from("fireflies dragon")));
        assertThat(dragon).isNotEmpty().allSatisfy(text -> assertThat(text.toLowerCase()).containsAnyOf("fireflies", "dragon"));
        assertThat(dragon.getFirst()).contains("fireflies").contains("dragon");

        assertThat(retriever.retrieve(Query.from("the of and"))).isEmpty();
        assertThat(retriever.retrieve(Query.from("spaceship quantum"))).isEmpty();
    }

    @Test
    void scoresByDistinctTermOverlapBestFirst() {
        KeywordContentRetriever small = new KeywordContentRetriever(List.of(
                TextSegment.from("A red kite."), TextSegment.from("A red kite in the wind."),
                TextSegment.from("The wind blew."), TextSegment.from("Nothing here.")), 2);
        assertThat(texts(small.retrieve(Query.from("red kite wind"))))
                .containsExactly("A red kite in the wind.", "A red kite.");
    }

    @Test
    void retrievalSendsOnlyTheMatchingSegments() {
        String answer = retrievingQa.answer("Who had a gray cat named Pepper?");
        assertThat(answer).isNotBlank();
        String prompt = listener.requests.getFirst().messages().getLast().toString();
        assertThat(prompt).contains("gray cat named Pepper").doesNotContain("fireflies");
    }

    @Test
    void wholeDocumentGoesIntoTheContext() {
        String answer = wholeDocumentQa.answer(longDocument.text(), "Who had a gray cat named Pepper?");
        assertThat(answer).isNotBlank();
        int promptTokens = listener.responses.getFirst().tokenUsage().inputTokenCount();
        // Past the 512 tokens stories260K was trained on and past the 256-entry compression budget.
        assertThat(promptTokens).isGreaterThan(512).isLessThan(2048 - 16);
        assertThat(promptTokens).isGreaterThan(chatModel.estimateTokenCountInText(longDocument.text()));
    }

    private static List<String> texts(List<Content> contents) {
        return contents.stream().map(content -> content.textSegment().text()).toList();
    }
}
