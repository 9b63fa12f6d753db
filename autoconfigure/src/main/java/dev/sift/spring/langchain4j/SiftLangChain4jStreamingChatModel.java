package dev.sift.spring.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.sift.spring.SiftChatRequest;
import dev.sift.spring.SiftEngine;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;

/**
 * LangChain4j {@link StreamingChatModel} backed by the local Sift engine: generation runs on the
 * given executor and each piece of text goes to {@code onPartialResponse}. With tools, the reply is
 * delivered whole at the end, since only then is it known whether it is a tool call.
 *
 * <p>The {@link StreamingHandle} passed with each piece cancels the generation: it ends before the
 * next token, its session and KV cache are released, and the handler hears nothing more.
 */
public class SiftLangChain4jStreamingChatModel implements StreamingChatModel {

    private final SiftEngine engine;
    private final List<ChatModelListener> listeners;
    private final Executor executor;

    public SiftLangChain4jStreamingChatModel(SiftEngine engine, List<ChatModelListener> listeners, Executor executor) {
        this.engine = engine;
        this.listeners = List.copyOf(listeners);
        this.executor = executor;
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        SiftChatRequest siftRequest = LangChain4jMapping.request(request, engine);
        boolean streamText = siftRequest.tools().isEmpty();
        executor.execute(() -> {
            Handle handle = new Handle();
            try {
                var reply = engine.chat(siftRequest, piece -> {
                    if (handle.isCancelled()) {
                        throw new CancellationException("the handler cancelled the stream");
                    }
                    if (streamText) {
                        handler.onPartialResponse(new PartialResponse(piece), new PartialResponseContext(handle));
                    }
                });
                handler.onCompleteResponse(LangChain4jMapping.response(reply, engine.modelName()));
            } catch (CancellationException e) {
                if (!handle.isCancelled()) {
                    handler.onError(e);
                }
            } catch (RuntimeException e) {
                handler.onError(e);
            }
        });
    }

    /** Cancels one stream; the generating thread sees it before its next token. */
    private static final class Handle implements StreamingHandle {

        private volatile boolean cancelled;

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }
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
}
