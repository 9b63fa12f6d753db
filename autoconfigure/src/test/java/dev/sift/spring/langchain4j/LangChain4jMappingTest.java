package dev.sift.spring.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.sift.engine.SharedModels;
import dev.sift.engine.chat.ChatMessage;
import dev.sift.engine.chat.Conversation;
import dev.sift.engine.chat.ToolCall;
import dev.sift.engine.generation.GenerationResult;
import dev.sift.engine.generation.Usage;
import dev.sift.spring.SiftChatRequest;
import dev.sift.spring.SiftEngine;
import dev.sift.spring.SiftProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** LangChain4j tool specifications into the engine's request, tool calls back as ToolExecutionRequests. */
class LangChain4jMappingTest {

    private static SiftEngine engine;

    @BeforeAll
    static void load() {
        SiftProperties properties = new SiftProperties();
        properties.getModel().setPath(SharedModels.model("stories260K.gguf").toString());
        properties.getModel().setLoad(SiftProperties.Load.LAZY);
        engine = new SiftEngine(properties);
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    @Test
    void toolSpecificationsAndToolMessagesMapToTheEngine() {
        ToolSpecification weather = ToolSpecification.builder().name("get_weather").description("Current weather")
                .parameters(JsonObjectSchema.builder().addStringProperty("city").required("city").build()).build();
        ChatRequest request = ChatRequest.builder().messages(
                        UserMessage.from("Weather in Paris?"),
                        AiMessage.from(ToolExecutionRequest.builder().id("c1").name("get_weather").arguments("{\"city\":\"Paris\"}").build()),
                        ToolExecutionResultMessage.from("c1", "get_weather", "18 degrees"))
                .toolSpecifications(weather).build();

        SiftChatRequest mapped = LangChain4jMapping.request(request, engine);

        Map<?, ?> function = (Map<?, ?>) mapped.tools().getFirst().get("function");
        assertThat(function.get("name")).isEqualTo("get_weather");
        assertThat(function.get("parameters")).isEqualTo(Map.of("type", "object",
                "properties", Map.of("city", Map.of("type", "string")), "required", List.of("city")));
        assertThat(mapped.messages()).containsExactly(ChatMessage.user("Weather in Paris?"),
                ChatMessage.assistant(null, List.of(new ToolCall("c1", "get_weather", "{\"city\":\"Paris\"}"))),
                ChatMessage.tool("18 degrees", "c1", "get_weather"));
    }

    @Test
    void toolCallsBecomeToolExecutionRequests() {
        GenerationResult result = new GenerationResult("", new int[]{5}, dev.sift.engine.generation.FinishReason.STOP,
                new Usage(7, 1), null);
        ChatResponse response = LangChain4jMapping.response(new Conversation.ChatReply("",
                List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}")), result, 7, 0), "model");
        assertThat(response.aiMessage().toolExecutionRequests()).containsExactly(
                ToolExecutionRequest.builder().id("call_1").name("get_weather").arguments("{\"city\":\"Paris\"}").build());
        assertThat(response.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
        assertThat(response.tokenUsage().inputTokenCount()).isEqualTo(7);
    }
}
