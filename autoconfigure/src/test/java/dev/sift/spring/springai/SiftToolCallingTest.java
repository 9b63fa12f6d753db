package dev.sift.spring.springai;

import dev.sift.engine.SharedModels;
import dev.sift.engine.chat.ChatMessage;
import dev.sift.engine.chat.Conversation;
import dev.sift.engine.chat.ToolCall;
import dev.sift.engine.generation.FinishReason;
import dev.sift.engine.generation.GenerationResult;
import dev.sift.engine.generation.Usage;
import dev.sift.spring.SiftChatRequest;
import dev.sift.spring.SiftEngine;
import dev.sift.spring.SiftProperties;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.tool.function.FunctionToolCallback;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** Spring AI tool calling the 2.0 way: definitions into the template, calls back as ToolCalls, never executed. */
class SiftToolCallingTest {

    record WeatherRequest(String city) {
    }

    private static SiftEngine engine;
    private static SiftChatModel model;

    @BeforeAll
    static void load() {
        SiftProperties properties = new SiftProperties();
        properties.getModel().setPath(SharedModels.model("synthetic/tiny-qwen2-f32.gguf").toString());
        properties.getModel().setThreads(2);
        engine = new SiftEngine(properties);
        model = new SiftChatModel(engine, ObservationRegistry.NOOP);
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    @Test
    void toolDefinitionsAndTheConversationReachTheEngine() {
        FunctionToolCallback<WeatherRequest, String> weather = FunctionToolCallback
                .builder("get_weather", (Function<WeatherRequest, String>) request -> "18 degrees")
                .description("Current weather in a city").inputType(WeatherRequest.class).build();
        Prompt prompt = new Prompt(List.of(
                new UserMessage("What's the weather in Paris?"),
                AssistantMessage.builder().content("").toolCalls(List.of(
                        new AssistantMessage.ToolCall("call_1", "function", "get_weather", "{\"city\":\"Paris\"}"))).build(),
                ToolResponseMessage.builder().responses(List.of(
                        new ToolResponseMessage.ToolResponse("call_1", "get_weather", "18 degrees"))).build()),
                SiftChatOptions.builder().toolCallbacks(List.of(weather)).build());

        SiftChatRequest request = model.request(prompt);

        assertThat(request.tools()).hasSize(1);
        Map<?, ?> function = (Map<?, ?>) request.tools().getFirst().get("function");
        assertThat(function.get("name")).isEqualTo("get_weather");
        assertThat(function.get("description")).isEqualTo("Current weather in a city");
        assertThat(((Map<?, ?>) ((Map<?, ?>) function.get("parameters")).get("properties")).containsKey("city")).isTrue();
        assertThat(request.messages()).containsExactly(
                ChatMessage.user("What's the weather in Paris?"),
                ChatMessage.assistant("", List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"))),
                ChatMessage.tool("18 degrees", "call_1", "get_weather"));
    }

    @Test
    void aToolCallReplyBecomesAssistantToolCalls() {
        GenerationResult result = new GenerationResult("<tool_call>…</tool_call>", new int[]{1, 2}, FinishReason.STOP,
                new Usage(10, 2), null);
        Conversation.ChatReply reply = new Conversation.ChatReply("",
                List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}")), result, 10, 0);

        ChatResponse response = model.response(reply, "", System.nanoTime(), 0);

        assertThat(response.hasToolCalls()).isTrue();
        assertThat(response.getResult().getOutput().getToolCalls()).containsExactly(
                new AssistantMessage.ToolCall("call_1", "function", "get_weather", "{\"city\":\"Paris\"}"));
        assertThat(response.getResult().getMetadata().getFinishReason()).isEqualTo("TOOL_CALLS");
    }
}
