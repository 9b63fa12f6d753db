package dev.sift.examples.assistant;

import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.splitter.DocumentSplitters;
import dev.langchain4j.memory.chat.ChatMemoryProvider;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.service.AiServices;
import dev.sift.spring.langchain4j.SiftLangChain4jChatModel;
import dev.sift.spring.langchain4j.SiftLangChain4jStreamingChatModel;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.Resource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

/** Wires the LangChain4j pieces to the chat models the Sift starter provides. */
@Configuration(proxyBeanMethods = false)
public class AssistantConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    ClockTool clockTool(Clock clock) {
        return new ClockTool(clock);
    }

    /** One window of the last ten messages per user; LangChain4j creates each on first use and keeps it. */
    @Bean
    ChatMemoryProvider chatMemoryProvider() {
        return user -> MessageWindowChatMemory.builder().id(user).maxMessages(10).build();
    }

    /**
     * The assistant. The clock tool is registered when {@code assistant.tools=true}: its specification
     * then goes into every request, and the model's chat template must support tool calling
     * (Qwen2.5, Llama 3.1 and most recent instruct models do; stories260K's llama2 format does not,
     * and the engine rejects tools for it rather than silently dropping them).
     */
    @Bean
    Assistant assistant(SiftLangChain4jChatModel chatModel, SiftLangChain4jStreamingChatModel streamingChatModel,
                        ChatMemoryProvider chatMemoryProvider, ClockTool clockTool,
                        @Value("${assistant.tools:false}") boolean tools) {
        AiServices<Assistant> builder = AiServices.builder(Assistant.class)
                .chatModel(chatModel)
                .streamingChatModel(streamingChatModel)
                .chatMemoryProvider(chatMemoryProvider);
        if (tools) {
            builder.tools(clockTool);
        }
        return builder.build();
    }

    @Bean
    Document longDocument(@Value("${assistant.document:classpath:stories.txt}") Resource resource) {
        try {
            return Document.from(resource.getContentAsString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the document " + resource, e);
        }
    }

    /** Segments of at most 400 characters, split at paragraphs, then lines, sentences and words. */
    @Bean
    KeywordContentRetriever keywordContentRetriever(Document longDocument) {
        return KeywordContentRetriever.of(longDocument, DocumentSplitters.recursive(400, 0), 2);
    }

    @Bean
    DocumentQa.Retrieving retrievingQa(SiftLangChain4jChatModel chatModel, KeywordContentRetriever retriever) {
        return AiServices.builder(DocumentQa.Retrieving.class).chatModel(chatModel).contentRetriever(retriever).build();
    }

    @Bean
    DocumentQa.WholeDocument wholeDocumentQa(SiftLangChain4jChatModel chatModel) {
        return AiServices.builder(DocumentQa.WholeDocument.class).chatModel(chatModel).build();
    }
}
