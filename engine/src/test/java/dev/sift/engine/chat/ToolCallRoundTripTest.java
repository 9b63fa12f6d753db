package dev.sift.engine.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sift.engine.SharedModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The parser reads tool calls in exactly the form each real template teaches its model: the
 * assistant turn of the oracle rendering of a tool call (Hugging Face's own renderer, which
 * {@code ExpectedRenderingsTest} shows this engine reproduces) parses back to that call.
 */
class ToolCallRoundTripTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @CsvSource(delimiter = '#', value = {
            "meta-llama-Llama-3.1-8B-Instruct.jinja # <|start_header_id|>assistant<|end_header_id|>\\n\\n # <|eot_id|>",
            "Qwen-Qwen2.5-7B-Instruct.jinja # <|im_start|>assistant\\n # <|im_end|>",
            "Qwen-Qwen3-0.6B.jinja # <|im_start|>assistant\\n # <|im_end|>",
            "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja # <|im_start|>assistant\\n # <|im_end|>"})
    void theTemplatesToolCallParsesBack(String template, String header, String endOfTurn) throws IOException {
        JsonNode expected = JSON.readTree(SharedModels.model("templates/expected.json").toFile());
        String rendered = expected.at("/results/" + template + "/tool-call-and-result/rendered").asText();
        String unescapedHeader = header.replace("\\n", "\n");
        int start = rendered.indexOf(unescapedHeader, rendered.indexOf("What's the weather in Paris?")) + unescapedHeader.length();
        String assistantTurn = rendered.substring(start, rendered.indexOf(endOfTurn, start));

        ToolCallParser.ParsedReply reply = ToolCallParser.parse(assistantTurn);

        assertThat(reply.content()).isEmpty();
        assertThat(reply.toolCalls()).hasSize(1);
        assertThat(reply.toolCalls().getFirst().name()).isEqualTo("get_weather");
        assertThat(JSON.readTree(reply.toolCalls().getFirst().arguments())).isEqualTo(JSON.readTree("{\"city\": \"Paris\"}"));
    }
}
