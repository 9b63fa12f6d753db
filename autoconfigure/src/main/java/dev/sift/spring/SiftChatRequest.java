package dev.sift.spring;

import dev.sift.engine.chat.ChatMessage;
import dev.sift.engine.kv.CompressionOptions;
import dev.sift.engine.sampling.SamplingOptions;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A chat request as the framework adapters hand it to {@link SiftEngine}, already merged with the
 * configured defaults.
 *
 * @param messages       the conversation, ending with the message to answer
 * @param tools          function definitions in OpenAI's shape; empty for none
 * @param sampling       how tokens are chosen
 * @param maxTokens      most tokens to generate; 0 = the rest of the context
 * @param stop           stop sequences
 * @param compression    KV-cache compression of this request
 * @param conversationId turns with the same id reuse one KV cache; {@code null} for a one-off request
 */
public record SiftChatRequest(List<ChatMessage> messages, List<Map<String, Object>> tools, SamplingOptions sampling,
                              int maxTokens, List<String> stop, CompressionOptions compression, String conversationId) {

    /** A function tool in the OpenAI shape chat templates expect. */
    public static Map<String, Object> functionTool(String name, String description, Map<String, Object> parameters) {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", name);
        function.put("description", description);
        function.put("parameters", parameters);
        return Map.of("type", "function", "function", function);
    }

    public SiftChatRequest {
        messages = List.copyOf(messages);
        tools = List.copyOf(tools);
        stop = List.copyOf(stop);
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("a chat request needs at least one message");
        }
    }
}
