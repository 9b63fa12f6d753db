package dev.sift.spring.langchain4j;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.TokenCountEstimator;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.sift.engine.generation.GenerationListener;
import dev.sift.spring.SiftEngine;

import java.util.List;

/**
 * LangChain4j {@link ChatModel} backed by the local Sift engine. Implements {@code doChat}, so
 * {@link ChatModelListener}s fire; tool specifications go into the model's chat template and tool
 * calls come back as {@code ToolExecutionRequest}s for {@code AiServices} to run. Also a
 * {@link TokenCountEstimator} that counts with the model's own tokenizer.
 */
public class SiftLangChain4jChatModel implements ChatModel, TokenCountEstimator {

    private final SiftEngine engine;
    private final List<ChatModelListener> listeners;

    public SiftLangChain4jChatModel(SiftEngine engine, List<ChatModelListener> listeners) {
        this.engine = engine;
        this.listeners = List.copyOf(listeners);
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        return LangChain4jMapping.response(engine.chat(LangChain4jMapping.request(request, engine), GenerationListener.NONE),
                engine.modelName());
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return LangChain4jMapping.defaultParameters(engine);
    }

    @Override
    public List<ChatModelListener> listeners() {
        return listeners;
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    @Override
    public int estimateTokenCountInText(String text) {
        return engine.model().tokenizer().encode(text, false, false).length;
    }

    @Override
    public int estimateTokenCountInMessage(ChatMessage message) {
        return estimateTokenCountInMessages(List.of(message));
    }

    /** Tokens of the messages as the chat template renders them, markers included. */
    @Override
    public int estimateTokenCountInMessages(Iterable<ChatMessage> messages) {
        List<ChatMessage> list = new java.util.ArrayList<>();
        messages.forEach(list::add);
        return engine.promptTokenCount(LangChain4jMapping.messages(list));
    }
}
