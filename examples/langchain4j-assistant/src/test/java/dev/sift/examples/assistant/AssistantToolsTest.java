package dev.sift.examples.assistant;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.sift.engine.SharedModels;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code assistant.tools=true} the clock tool's specification reaches the model. stories260K's
 * chat format has no tool calling, so this runs on the repository's synthetic tiny Qwen2 model, whose
 * template has; its weights are random, so only the request is checked, not the reply.
 */
@SpringBootTest(properties = {"assistant.demo=false", "assistant.tools=true", "sift.chat.temperature=0",
        "sift.chat.max-tokens=4", "sift.model.threads=2", "sift.model.context-length=0", "sift.compression.method=none"})
@Import(AssistantApplicationTest.Listening.class)
class AssistantToolsTest {

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        registry.add("sift.model.path", () -> SharedModels.model("synthetic/tiny-qwen2-f32.gguf").toString());
    }

    @Autowired
    Assistant assistant;
    @Autowired
    AssistantApplicationTest.RecordingListener listener;

    @Test
    void theToolsSpecificationsReachTheModel() {
        try {
            assistant.chat("tool-user", "What time is it?");
        } catch (RuntimeException e) {
            // A random-weights model may reply with a malformed tool call; the request was already sent.
        }
        assertThat(listener.requests).isNotEmpty();
        List<ToolSpecification> tools = listener.requests.getFirst().toolSpecifications();
        assertThat(tools).extracting(ToolSpecification::name).containsExactlyInAnyOrder("currentTime", "daysUntil");
        ToolSpecification daysUntil = tools.stream().filter(tool -> tool.name().equals("daysUntil")).findFirst().orElseThrow();
        assertThat(daysUntil.description()).isEqualTo("Number of days from today until a date");
        assertThat(daysUntil.parameters().properties()).containsOnlyKeys("date");
    }

    @Test
    void theToolsAnswerFromTheClock() {
        ClockTool tool = new ClockTool(Clock.fixed(Instant.parse("2026-03-01T10:15:30Z"), ZoneOffset.UTC));
        assertThat(tool.currentTime()).isEqualTo("2026-03-01T10:15:30Z");
        assertThat(tool.daysUntil("2026-03-11")).isEqualTo(10);
    }
}
