package dev.sift.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sift.engine.Json;
import dev.sift.engine.SharedModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every template in {@code shared/models/templates} renders every conversation of
 * {@code expected.json} exactly as Hugging Face's own renderer did, or fails with the error it
 * raised.
 */
class ExpectedRenderingsTest {

    private static final Path TEMPLATES = SharedModels.model("templates");
    private static final ObjectMapper JACKSON = new ObjectMapper();

    private static final Map<String, Object> EXPECTED = readExpectations();

    private static Map<String, Object> readExpectations() {
        try {
            return Json.object(TEMPLATES.resolve("expected.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        Map<String, Object> results = map(EXPECTED.get("results"));
        for (Map.Entry<String, Object> template : results.entrySet()) {
            for (String conversation : map(template.getValue()).keySet()) {
                cases.add(Arguments.of(template.getKey(), conversation));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void rendersAsHuggingFaceDoes(String templateFile, String conversation) throws IOException {
        Map<String, Object> context = map(EXPECTED.get("context"));
        ChatTemplate template = ChatTemplate.jinja(Files.readString(TEMPLATES.resolve(templateFile)),
                (String) context.get("bos_token"), (String) context.get("eos_token"));
        List<ChatMessage> messages = messages(list(map(EXPECTED.get("conversations")).get(conversation)));
        List<Map<String, Object>> tools = conversation.contains("tool") ? tools() : List.of();
        Map<String, Object> extraContext = Map.of("date_string", context.get("date_string"));
        boolean addGenerationPrompt = (Boolean) context.get("add_generation_prompt");
        Map<String, Object> result = map(map(map(EXPECTED.get("results")).get(templateFile)).get(conversation));

        if (result.containsKey("rendered")) {
            assertThat(template.render(messages, addGenerationPrompt, tools, extraContext))
                    .isEqualTo(result.get("rendered"));
        } else {
            assertThatThrownBy(() -> template.render(messages, addGenerationPrompt, tools, extraContext))
                    .isInstanceOf(ChatTemplateException.class)
                    .hasMessageContaining((String) result.get("error"));
        }
    }

    private static List<Map<String, Object>> tools() {
        return list(EXPECTED.get("tools")).stream().map(ExpectedRenderingsTest::map).toList();
    }

    private static List<ChatMessage> messages(List<Object> json) {
        return json.stream().map(ExpectedRenderingsTest::map).map(m -> new ChatMessage(
                (String) m.get("role"),
                (String) m.get("content"),
                list(m.getOrDefault("tool_calls", List.of())).stream().map(ExpectedRenderingsTest::toolCall).toList(),
                (String) m.get("tool_call_id"),
                (String) m.get("name"))).toList();
    }

    private static ToolCall toolCall(Object json) {
        Map<String, Object> function = map(map(json).get("function"));
        try {
            return new ToolCall((String) map(json).get("id"), (String) function.get("name"),
                    JACKSON.writeValueAsString(function.get("arguments")));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object json) {
        return (Map<String, Object>) json;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object json) {
        return (List<Object>) json;
    }
}
