package dev.sift.engine.chat;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ToolCallParserTest {

    @Test
    void hermesAndQwenBlocks() {
        ToolCallParser.ParsedReply reply = ToolCallParser.parse("""
                Let me check both.
                <tool_call>
                {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}
                </tool_call>
                <tool_call>
                {"name": "get_time", "arguments": {"zone": "CET"}}
                </tool_call>""");
        assertThat(reply.content()).isEqualTo("Let me check both.");
        assertThat(reply.toolCalls()).containsExactly(
                new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\",\"unit\":\"celsius\"}"),
                new ToolCall("call_2", "get_time", "{\"zone\":\"CET\"}"));
    }

    @Test
    void llama3JsonWithParameters() {
        ToolCallParser.ParsedReply reply = ToolCallParser.parse(
                "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}");
        assertThat(reply.content()).isEmpty();
        assertThat(reply.toolCalls()).containsExactly(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"));
    }

    @Test
    void llama3PythonTagAndSeveralCalls() {
        ToolCallParser.ParsedReply reply = ToolCallParser.parse(
                "<|python_tag|>{\"name\": \"a\", \"parameters\": {}}; {\"name\": \"b\", \"parameters\": {\"x\": 1}}");
        assertThat(reply.toolCalls()).extracting(ToolCall::name).containsExactly("a", "b");
        assertThat(reply.toolCalls().get(1).arguments()).isEqualTo("{\"x\":1}");
    }

    @Test
    void mistralToolCallsWithIds() {
        ToolCallParser.ParsedReply reply = ToolCallParser.parse(
                "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"abcDEF123\"}]");
        assertThat(reply.toolCalls()).containsExactly(new ToolCall("abcDEF123", "get_weather", "{\"city\":\"Paris\"}"));
    }

    @Test
    void stringArgumentsAreKeptAsGiven() {
        ToolCallParser.ParsedReply reply = ToolCallParser.parse(
                "<tool_call>{\"name\": \"f\", \"arguments\": \"{\\\"a\\\": 1}\"}</tool_call>");
        assertThat(reply.toolCalls()).containsExactly(new ToolCall("call_1", "f", "{\"a\": 1}"));
    }

    @Test
    void plainTextAndMalformedCallsStayContent() {
        assertThat(ToolCallParser.parse("  The weather is fine.  "))
                .isEqualTo(new ToolCallParser.ParsedReply("The weather is fine.", List.of()));
        String broken = "<tool_call>{\"name\": \"f\", \"arguments\": {</tool_call>";
        assertThat(ToolCallParser.parse(broken)).isEqualTo(new ToolCallParser.ParsedReply(broken, List.of()));
        assertThat(ToolCallParser.parse("{not json}").toolCalls()).isEmpty();
        assertThat(ToolCallParser.parse("{\"no_name\": 1}").toolCalls()).isEmpty();
    }
}
