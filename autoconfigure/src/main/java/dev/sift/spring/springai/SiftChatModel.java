package dev.sift.spring.springai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sift.engine.chat.ChatMessage;
import dev.sift.engine.chat.Conversation;
import dev.sift.engine.chat.ToolCall;
import dev.sift.engine.generation.GenerationResult;
import dev.sift.engine.kv.Budget;
import dev.sift.engine.kv.CompressionMethodKind;
import dev.sift.engine.kv.CompressionOptions;
import dev.sift.engine.sampling.SamplingOptions;
import dev.sift.spring.SiftChatRequest;
import dev.sift.spring.SiftEngine;
import dev.sift.spring.SiftProperties;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.model.MessageAggregator;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.ai.chat.observation.ChatModelObservationDocumentation;
import org.springframework.ai.chat.observation.DefaultChatModelObservationConvention;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Spring AI {@link ChatModel} backed by the local Sift engine.
 *
 * <p>Messages are rendered with the model's own chat template; tool definitions go into the
 * template, and tool calls in the reply come back as {@link AssistantMessage.ToolCall}s — the model
 * never runs tools itself (Spring AI's {@code ChatClient} does). Options of a request are used as
 * given when they are {@link SiftChatOptions} or any other {@link ChatOptions} (unset values take
 * the configured defaults). Every call is observed as {@code gen_ai.client.operation}.
 *
 * <p>Response metadata carries Sift's own numbers under {@code sift.*} keys: KV bytes held, the
 * kept ratio, the compression method, prompt tokens reused from the conversation's cache, and
 * prefill / decode timing.
 */
public class SiftChatModel implements ChatModel {

    /** The provider name in observations. */
    public static final String PROVIDER = "sift";

    private static final ChatModelObservationConvention DEFAULT_CONVENTION = new DefaultChatModelObservationConvention();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SiftEngine engine;
    private final SiftChatOptions defaultOptions;
    private final ObservationRegistry observationRegistry;
    private ChatModelObservationConvention observationConvention = DEFAULT_CONVENTION;

    public SiftChatModel(SiftEngine engine, ObservationRegistry observationRegistry) {
        this.engine = engine;
        this.observationRegistry = observationRegistry;
        this.defaultOptions = defaults(engine.properties());
    }

    private static SiftChatOptions defaults(SiftProperties properties) {
        SiftProperties.Chat chat = properties.getChat();
        SiftProperties.Compression compression = properties.getCompression();
        return SiftChatOptions.builder()
                .temperature(chat.getTemperature()).topP(chat.getTopP()).topK(chat.getTopK())
                .maxTokens(chat.getMaxTokens()).stopSequences(chat.getStop()).seed(chat.getSeed())
                .repeatPenalty(chat.getRepeatPenalty())
                .compressionMethod(compression.getMethod()).compressionBudget(compression.getBudget())
                .build();
    }

    /** Uses a custom observation convention instead of Spring AI's default. */
    public void setObservationConvention(ChatModelObservationConvention observationConvention) {
        this.observationConvention = observationConvention;
    }

    @Override
    public SiftChatOptions getOptions() {
        return defaultOptions;
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        ChatModelObservationContext context = ChatModelObservationContext.builder()
                .prompt(prompt).provider(PROVIDER).streaming(false).build();
        return ChatModelObservationDocumentation.CHAT_MODEL_OPERATION
                .observation(observationConvention, DEFAULT_CONVENTION, () -> context, observationRegistry)
                .observe(() -> {
                    long start = System.nanoTime();
                    long[] firstPiece = {0};
                    Conversation.ChatReply reply = engine.chat(request(prompt), piece -> {
                        if (firstPiece[0] == 0) {
                            firstPiece[0] = System.nanoTime();
                        }
                    });
                    ChatResponse response = response(reply, reply.content(), start, firstPiece[0]);
                    context.setResponse(response);
                    return response;
                });
    }

    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        return Flux.deferContextual(reactorContext -> {
            ChatModelObservationContext context = ChatModelObservationContext.builder()
                    .prompt(prompt).provider(PROVIDER).streaming(true).build();
            Observation observation = ChatModelObservationDocumentation.CHAT_MODEL_OPERATION.observation(
                    observationConvention, DEFAULT_CONVENTION, () -> context, observationRegistry);
            observation.parentObservation(reactorContext.getOrDefault(ObservationThreadLocalAccessor.KEY, null)).start();

            SiftChatRequest request = request(prompt);
            AtomicBoolean cancelled = new AtomicBoolean();
            Flux<ChatResponse> pieces = Flux.<ChatResponse>create(sink -> {
                sink.onCancel(() -> cancelled.set(true));
                long start = System.nanoTime();
                long[] firstPiece = {0};
                try {
                    Conversation.ChatReply reply = engine.chat(request, piece -> {
                        if (cancelled.get()) {
                            throw new CancellationException("the subscriber cancelled the stream");
                        }
                        if (firstPiece[0] == 0) {
                            firstPiece[0] = System.nanoTime();
                        }
                        if (request.tools().isEmpty()) {
                            sink.next(new ChatResponse(List.of(new Generation(new AssistantMessage(piece)))));
                        }
                    });
                    // With tools the reply may be a tool call, which is only known once it is complete.
                    String finalText = request.tools().isEmpty() ? "" : reply.content();
                    sink.next(response(reply, finalText, start, firstPiece[0]));
                    sink.complete();
                } catch (CancellationException e) {
                    sink.complete();
                } catch (RuntimeException e) {
                    sink.error(e);
                }
            }).subscribeOn(Schedulers.boundedElastic());

            return new MessageAggregator().aggregate(pieces, context::setResponse)
                    .doOnError(observation::error)
                    .doFinally(signal -> observation.stop())
                    .contextWrite(ctx -> ctx.put(ObservationThreadLocalAccessor.KEY, observation));
        });
    }

    /** The engine request for a prompt: its messages, tools and options over the configured defaults. */
    SiftChatRequest request(Prompt prompt) {
        ChatOptions options = prompt.getOptions() != null ? prompt.getOptions() : defaultOptions;
        SiftChatOptions sift = options instanceof SiftChatOptions s ? s : null;
        SamplingOptions sampling = engine.sampling(options.getTemperature(), options.getTopP(), options.getTopK(),
                options.getFrequencyPenalty(), options.getPresencePenalty());
        CompressionOptions compression = engine.defaultCompression();
        String conversationId = null;
        if (sift != null) {
            if (sift.getSeed() != null) {
                sampling = sampling.withSeed(sift.getSeed());
            }
            if (sift.getRepeatPenalty() != null) {
                sampling = sampling.withRepetitionPenalty(sift.getRepeatPenalty().floatValue());
            }
            if (sift.getCompressionMethod() != null) {
                compression = compression.withMethod(CompressionMethodKind.parse(sift.getCompressionMethod()));
            }
            if (sift.getCompressionBudget() != null) {
                compression = compression.withBudget(Budget.parse(sift.getCompressionBudget()));
            }
            conversationId = sift.getConversationId();
        }
        int maxTokens = options.getMaxTokens() != null ? options.getMaxTokens() : engine.properties().getChat().getMaxTokens();
        List<String> stop = options.getStopSequences() != null ? options.getStopSequences() : engine.properties().getChat().getStop();
        List<Map<String, Object>> tools = options instanceof ToolCallingChatOptions toolOptions
                && toolOptions.getToolCallbacks() != null ? tools(toolOptions.getToolCallbacks()) : List.of();
        return new SiftChatRequest(messages(prompt.getInstructions()), tools, sampling, maxTokens, stop, compression,
                conversationId);
    }

    private static List<ChatMessage> messages(List<Message> instructions) {
        List<ChatMessage> messages = new ArrayList<>();
        for (Message message : instructions) {
            switch (message.getMessageType()) {
                case SYSTEM -> messages.add(ChatMessage.system(message.getText()));
                case USER -> messages.add(ChatMessage.user(message.getText()));
                case ASSISTANT -> {
                    AssistantMessage assistant = (AssistantMessage) message;
                    List<ToolCall> calls = assistant.getToolCalls().stream()
                            .map(call -> new ToolCall(call.id(), call.name(), call.arguments())).toList();
                    messages.add(ChatMessage.assistant(assistant.getText(), calls));
                }
                case TOOL -> {
                    for (ToolResponseMessage.ToolResponse response : ((ToolResponseMessage) message).getResponses()) {
                        messages.add(ChatMessage.tool(response.responseData(), response.id(), response.name()));
                    }
                }
            }
        }
        return messages;
    }

    /** Tool definitions in the OpenAI shape chat templates expect. */
    private static List<Map<String, Object>> tools(List<ToolCallback> callbacks) {
        List<Map<String, Object>> tools = new ArrayList<>();
        for (ToolCallback callback : callbacks) {
            ToolDefinition definition = callback.getToolDefinition();
            tools.add(SiftChatRequest.functionTool(definition.name(), definition.description(), schema(definition)));
        }
        return tools;
    }

    private static Map<String, Object> schema(ToolDefinition definition) {
        try {
            return JSON.readValue(definition.inputSchema(), new TypeReference<>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("tool '" + definition.name() + "' has an input schema that is not a JSON object", e);
        }
    }

    ChatResponse response(Conversation.ChatReply reply, String text, long start, long firstPiece) {
        GenerationResult result = reply.result();
        List<AssistantMessage.ToolCall> toolCalls = reply.toolCalls().stream()
                .map(call -> new AssistantMessage.ToolCall(call.id(), "function", call.name(), call.arguments()))
                .toList();
        AssistantMessage message = AssistantMessage.builder().content(text).toolCalls(toolCalls).build();
        String finishReason = toolCalls.isEmpty() ? result.finishReason().name() : "TOOL_CALLS";
        ChatGenerationMetadata generationMetadata = ChatGenerationMetadata.builder().finishReason(finishReason).build();

        long end = System.nanoTime();
        long prefillNanos = (firstPiece == 0 ? end : firstPiece) - start;
        int generated = result.usage().completionTokens();
        ChatResponseMetadata.Builder metadata = ChatResponseMetadata.builder()
                .model(engine.modelName())
                .usage(new DefaultUsage(result.usage().promptTokens(), generated))
                .keyValue("sift.prompt-tokens-reused", reply.reusedTokens())
                .keyValue("sift.prefill-ms", prefillNanos / 1_000_000.0)
                .keyValue("sift.decode-tokens-per-second",
                        end > start + prefillNanos && generated > 1 ? (generated - 1) / ((end - start - prefillNanos) / 1e9) : 0.0);
        if (result.kv() != null) {
            metadata.keyValue("sift.compression-method", result.kv().method().label())
                    .keyValue("sift.compression-budget", result.kv().budget())
                    .keyValue("sift.kv-bytes", result.kv().bytesHeld())
                    .keyValue("sift.kv-kept-ratio", result.kv().ratio());
        }
        return new ChatResponse(List.of(new Generation(message, generationMetadata)), metadata.build());
    }
}
