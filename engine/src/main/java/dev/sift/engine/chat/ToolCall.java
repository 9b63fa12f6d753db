package dev.sift.engine.chat;

import java.util.Objects;

/**
 * A function call made by the assistant, as in OpenAI's chat API.
 *
 * <p>Templates see it as {@code {"id": id, "type": "function", "function": {"name": name,
 * "arguments": arguments}}}, with the arguments parsed into an object when they are valid JSON
 * (templates apply {@code |tojson} to them, as transformers expects) and {@code id} left out when
 * null.
 *
 * @param id        the call's id, which tool results refer to; may be null
 * @param name      the function's name
 * @param arguments the arguments as a JSON text, normally an object such as {@code {"city": "Paris"}}
 */
public record ToolCall(String id, String name, String arguments) {

    public ToolCall {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
    }
}
