package dev.sift.spring.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.sift.engine.chat.ChatMessage;
import dev.sift.engine.chat.Conversation;
import dev.sift.engine.chat.ToolCall;
import dev.sift.engine.sampling.SamplingOptions;
import dev.sift.spring.SiftChatRequest;
import dev.sift.spring.SiftEngine;
import dev.sift.spring.SiftProperties;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Translation between LangChain4j's chat types and the engine's, shared by both chat models. */
final class LangChain4jMapping {

    private LangChain4jMapping() {
    }

    /** The request parameters {@code sift.chat.*} configures. */
    static ChatRequestParameters defaultParameters(SiftEngine engine) {
        SiftProperties.Chat chat = engine.properties().getChat();
        return DefaultChatRequestParameters.builder()
                .temperature(chat.getTemperature()).topP(chat.getTopP()).topK(chat.getTopK())
                .maxOutputTokens(chat.getMaxTokens()).stopSequences(chat.getStop())
                .build();
    }

    static SiftChatRequest request(ChatRequest request, SiftEngine engine) {
        ChatRequestParameters p = request.parameters();
        SamplingOptions sampling = engine.sampling(p.temperature(), p.topP(), p.topK(), p.frequencyPenalty(),
                p.presencePenalty());
        int maxTokens = p.maxOutputTokens() != null ? p.maxOutputTokens() : engine.properties().getChat().getMaxTokens();
        List<String> stop = p.stopSequences() != null ? p.stopSequences() : engine.properties().getChat().getStop();
        List<Map<String, Object>> tools = p.toolSpecifications() == null ? List.of()
                : p.toolSpecifications().stream().map(LangChain4jMapping::tool).toList();
        return new SiftChatRequest(messages(request.messages()), tools, sampling, maxTokens, stop,
                engine.defaultCompression(), null);
    }

    static List<ChatMessage> messages(List<dev.langchain4j.data.message.ChatMessage> messages) {
        List<ChatMessage> out = new ArrayList<>();
        for (dev.langchain4j.data.message.ChatMessage message : messages) {
            switch (message) {
                case SystemMessage system -> out.add(ChatMessage.system(system.text()));
                case UserMessage user -> {
                    if (!user.hasSingleText()) {
                        throw new IllegalArgumentException("Sift models read text only; the user message has "
                                + user.contents().size() + " parts, not all text");
                    }
                    out.add(ChatMessage.user(user.singleText()));
                }
                case AiMessage ai -> out.add(ChatMessage.assistant(ai.text(), ai.hasToolExecutionRequests()
                        ? ai.toolExecutionRequests().stream()
                                .map(call -> new ToolCall(call.id(), call.name(), call.arguments())).toList()
                        : List.of()));
                case ToolExecutionResultMessage result -> out.add(ChatMessage.tool(result.text(), result.id(), result.toolName()));
                default -> throw new IllegalArgumentException("unsupported message type " + message.type());
            }
        }
        return out;
    }

    /** A tool in the OpenAI shape chat templates expect. */
    private static Map<String, Object> tool(ToolSpecification specification) {
        return SiftChatRequest.functionTool(specification.name(),
                specification.description() == null ? "" : specification.description(),
                specification.parameters() == null ? Map.of("type", "object", "properties", Map.of())
                        : JsonSchemaElementUtils.toMap(specification.parameters()));
    }

    static ChatResponse response(Conversation.ChatReply reply, String modelName) {
        List<ToolExecutionRequest> calls = reply.toolCalls().stream()
                .map(call -> ToolExecutionRequest.builder().id(call.id()).name(call.name()).arguments(call.arguments()).build())
                .toList();
        AiMessage message = calls.isEmpty() ? AiMessage.from(reply.content())
                : AiMessage.builder().text(reply.content().isEmpty() ? null : reply.content()).toolExecutionRequests(calls).build();
        FinishReason finishReason = !calls.isEmpty() ? FinishReason.TOOL_EXECUTION : switch (reply.result().finishReason()) {
            case STOP -> FinishReason.STOP;
            case LENGTH -> FinishReason.LENGTH;
            case CANCELLED -> FinishReason.OTHER;
        };
        return ChatResponse.builder()
                .aiMessage(message)
                .modelName(modelName)
                .tokenUsage(new TokenUsage(reply.result().usage().promptTokens(), reply.result().usage().completionTokens()))
                .finishReason(finishReason)
                .build();
    }
}
