package dev.sift.engine.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the tool calls in a model's reply, in the formats chat templates teach models to write:
 * <ul>
 *   <li>Hermes / Qwen2.5 / Qwen3: {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>},
 *       one block per call, possibly after some text;</li>
 *   <li>Mistral: {@code [TOOL_CALLS][{"name": ..., "arguments": {...}, "id": ...}, ...]};</li>
 *   <li>Llama 3.1 / 3.2: the whole reply is {@code {"name": ..., "parameters": {...}}} (optionally
 *       after {@code <|python_tag|>}), several separated by {@code ;}.</li>
 * </ul>
 * A reply that matches none of these is plain content. Malformed JSON inside a tool-call marker is
 * left as content rather than guessed at.
 */
public final class ToolCallParser {

    private static final Pattern HERMES = Pattern.compile("<tool_call>\\s*(.*?)\\s*</tool_call>", Pattern.DOTALL);
    private static final String MISTRAL = "[TOOL_CALLS]";
    private static final String PYTHON_TAG = "<|python_tag|>";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ToolCallParser() {
    }

    /**
     * A reply split into its text and its tool calls.
     *
     * @param content   the text outside tool calls, trimmed
     * @param toolCalls the calls, in order; empty if there are none
     */
    public record ParsedReply(String content, List<ToolCall> toolCalls) {
    }

    /** Splits {@code reply} into content and tool calls; call ids are {@code call_1}, {@code call_2}, … when the model gives none. */
    public static ParsedReply parse(String reply) {
        String trimmed = reply.strip();
        List<ToolCall> calls = new ArrayList<>();

        Matcher hermes = HERMES.matcher(trimmed);
        StringBuilder content = new StringBuilder();
        int last = 0;
        while (hermes.find()) {
            ToolCall call = call(hermes.group(1), calls.size());
            if (call == null) {
                return new ParsedReply(trimmed, List.of());
            }
            calls.add(call);
            content.append(trimmed, last, hermes.start());
            last = hermes.end();
        }
        if (!calls.isEmpty()) {
            content.append(trimmed.substring(last));
            return new ParsedReply(content.toString().strip(), List.copyOf(calls));
        }

        int mistral = trimmed.indexOf(MISTRAL);
        if (mistral >= 0) {
            List<ToolCall> parsed = array(trimmed.substring(mistral + MISTRAL.length()));
            return parsed.isEmpty() ? new ParsedReply(trimmed, List.of())
                    : new ParsedReply(trimmed.substring(0, mistral).strip(), parsed);
        }

        String llama = trimmed.startsWith(PYTHON_TAG) ? trimmed.substring(PYTHON_TAG.length()).strip() : trimmed;
        if (llama.startsWith("{")) {
            for (String part : llama.split(";(?=\\s*\\{)")) {
                ToolCall call = call(part, calls.size());
                if (call == null) {
                    return new ParsedReply(trimmed, List.of());
                }
                calls.add(call);
            }
            return new ParsedReply("", List.copyOf(calls));
        }
        return new ParsedReply(trimmed, List.of());
    }

    private static List<ToolCall> array(String json) {
        try {
            JsonNode node = JSON.readTree(json.strip());
            if (node == null || !node.isArray()) {
                return List.of();
            }
            List<ToolCall> calls = new ArrayList<>();
            for (JsonNode element : node) {
                ToolCall call = call(element, calls.size());
                if (call == null) {
                    return List.of();
                }
                calls.add(call);
            }
            return calls;
        } catch (JsonProcessingException e) {
            return List.of();
        }
    }

    private static ToolCall call(String json, int index) {
        try {
            return call(JSON.readTree(json.strip()), index);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** A call object: {@code name} plus {@code arguments} (or Llama's {@code parameters}), optional {@code id}. */
    private static ToolCall call(JsonNode node, int index) {
        if (node == null || !node.isObject() || !node.path("name").isTextual()) {
            return null;
        }
        JsonNode arguments = node.has("arguments") ? node.get("arguments") : node.get("parameters");
        String argumentText = arguments == null ? "{}" : arguments.isTextual() ? arguments.asText() : arguments.toString();
        String id = node.path("id").isTextual() ? node.get("id").asText() : "call_" + (index + 1);
        return new ToolCall(id, node.get("name").asText(), argumentText);
    }
}
