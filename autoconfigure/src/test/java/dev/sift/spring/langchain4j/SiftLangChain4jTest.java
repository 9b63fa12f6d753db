package dev.sift.spring.langchain4j;

import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.TokenStream;
import dev.sift.engine.SharedModels;
import dev.sift.spring.SiftEngineAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** LangChain4j on stories260K through AiServices, sync and streaming. */
class SiftLangChain4jTest {

    interface Storyteller {
        String tell(String beginning);

        TokenStream stream(String beginning);
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SiftEngineAutoConfiguration.class, SiftLangChain4jAutoConfiguration.class))
            .withPropertyValues("sift.model.path=" + SharedModels.model("stories260K.gguf"), "sift.model.threads=2",
                    "sift.model.context-length=512", "sift.chat.temperature=0", "sift.chat.max-tokens=20");

    @Test
    void aiServicesSyncAndStreamingGiveTheSameGreedyText() {
        runner.run(context -> {
            Storyteller storyteller = AiServices.builder(Storyteller.class)
                    .chatModel(context.getBean(SiftLangChain4jChatModel.class))
                    .streamingChatModel(context.getBean(SiftLangChain4jStreamingChatModel.class))
                    .build();
            String told = storyteller.tell("Once upon a time");
            assertThat(told).isNotBlank();

            List<String> pieces = new CopyOnWriteArrayList<>();
            CompletableFuture<ChatResponse> done = new CompletableFuture<>();
            storyteller.stream("Once upon a time")
                    .onPartialResponse(pieces::add)
                    .onCompleteResponse(done::complete)
                    .onError(done::completeExceptionally)
                    .start();
            ChatResponse streamed = done.get(60, TimeUnit.SECONDS);
            assertThat(pieces).hasSizeGreaterThan(1);
            assertThat(streamed.aiMessage().text()).isEqualTo(told);
            assertThat(String.join("", pieces).strip()).isEqualTo(told);
            assertThat(streamed.tokenUsage().outputTokenCount()).isEqualTo(20);
        });
    }

    @Test
    void chatMemoryCarriesEarlierTurns() {
        runner.withUserConfiguration(Listening.class).run(context -> {
            Storyteller storyteller = AiServices.builder(Storyteller.class)
                    .chatModel(context.getBean(SiftLangChain4jChatModel.class))
                    .chatMemory(MessageWindowChatMemory.withMaxMessages(10))
                    .build();
            storyteller.tell("Once upon a time");
            storyteller.tell("The end");
            // The second request holds the first exchange (user, assistant) and the new user message.
            assertThat(context.getBean(RecordingListener.class).messageCounts).containsExactly(1, 3);
        });
    }

    @Test
    void listenersSeeRequestAndResponse() {
        runner.withUserConfiguration(Listening.class).run(context -> {
            context.getBean(SiftLangChain4jChatModel.class).chat("Once upon a time");
            assertThat(context.getBean(RecordingListener.class).events).containsExactly("request", "response");
        });
    }

    static class RecordingListener implements ChatModelListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<Integer> messageCounts = new CopyOnWriteArrayList<>();

        @Override
        public void onRequest(ChatModelRequestContext context) {
            events.add("request");
            messageCounts.add(context.chatRequest().messages().size());
        }

        @Override
        public void onResponse(ChatModelResponseContext context) {
            events.add("response");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Listening {
        @Bean
        RecordingListener recordingListener() {
            return new RecordingListener();
        }
    }

    @Test
    void backsOffWithoutLangChain4j() {
        runner.withClassLoader(new FilteredClassLoader("dev.langchain4j"))
                .run(context -> assertThat(context).doesNotHaveBean("siftLangChain4jChatModel")
                        .doesNotHaveBean("siftLangChain4jStreamingChatModel"));
    }

    @Test
    void tokenCountsComeFromTheModelsTokenizer() {
        runner.run(context -> {
            SiftLangChain4jChatModel model = context.getBean(SiftLangChain4jChatModel.class);
            assertThat(model.estimateTokenCountInText("Once upon a time")).isEqualTo(4);
            assertThat(model.estimateTokenCountInMessages(List.of(dev.langchain4j.data.message.UserMessage.from("Once upon a time"))))
                    .isGreaterThan(4);
        });
    }
}
