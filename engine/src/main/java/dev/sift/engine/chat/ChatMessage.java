package dev.sift.engine.chat;

import java.util.List;
import java.util.Objects;

/**
 * One message of a conversation, in the shape chat templates expect (OpenAI's chat format).
 *
 * @param role       {@code system}, {@code user}, {@code assistant} or {@code tool}
 * @param content    the text; null only for an assistant message that makes tool calls
 * @param toolCalls  the calls an assistant message makes; empty for every other message
 * @param toolCallId for a tool result, the id of the call it answers; may be null
 * @param name       for a tool result, the function's name; may be null
 */
public record ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId, String name) {

    /** The roles a message may have. */
    public static final List<String> ROLES = List.of("system", "user", "assistant", "tool");

    /**
     * @throws IllegalArgumentException if the role is unknown, or the fields do not fit the role
     */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        if (!ROLES.contains(role)) {
            throw new IllegalArgumentException("unknown chat role '" + role
                    + "' (valid roles: " + String.join(", ", ROLES) + ")");
        }
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        if (!toolCalls.isEmpty() && !role.equals("assistant")) {
            throw new IllegalArgumentException("only assistant messages make tool calls, not " + role + " messages");
        }
        if (content == null && toolCalls.isEmpty()) {
            throw new IllegalArgumentException("a " + role + " message needs content unless it makes tool calls");
        }
        if ((toolCallId != null || name != null) && !role.equals("tool")) {
            throw new IllegalArgumentException("a tool call id and name belong to tool messages, not " + role
                    + " messages");
        }
    }

    /** A system message (instructions for the whole conversation). */
    public static ChatMessage system(String content) {
        return new ChatMessage("system", content, List.of(), null, null);
    }

    /** A user turn. */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content, List.of(), null, null);
    }

    /** An assistant reply without tool calls. */
    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content, List.of(), null, null);
    }

    /** An assistant message that calls tools; {@code content} may be null. */
    public static ChatMessage assistant(String content, List<ToolCall> toolCalls) {
        return new ChatMessage("assistant", content, toolCalls, null, null);
    }

    /** The result of a tool call; {@code toolCallId} and {@code name} may be null. */
    public static ChatMessage tool(String content, String toolCallId, String name) {
        return new ChatMessage("tool", content, List.of(), toolCallId, name);
    }
}
