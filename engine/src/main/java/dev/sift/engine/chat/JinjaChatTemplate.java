package dev.sift.engine.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A Hugging Face Jinja chat template, rendered by Jinjava in {@link TemplateEnvironment} after
 * {@link JinjaSourceTranslator} has rewritten its source.
 *
 * <p>Templates see the variables transformers passes: {@code messages} (dicts with {@code role},
 * {@code content} and, when present, {@code tool_calls}, {@code tool_call_id} and {@code name}),
 * {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}, {@code tools} (only when
 * there are some, so that {@code tools is defined} means what templates expect), and the caller's
 * extra context ({@code enable_thinking}, {@code date_string}, ...).
 */
final class JinjaChatTemplate implements ChatTemplate {

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private static final Set<String> RESERVED =
            Set.of("messages", "tools", "add_generation_prompt", "bos_token", "eos_token");
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
    };

    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final Clock clock;
    private final Duration timeout;

    /**
     * @throws ChatTemplateException if the template is malformed
     */
    JinjaChatTemplate(String template, String bosToken, String eosToken, Clock clock, Duration timeout) {
        this.source = JinjaSourceTranslator.translate(Objects.requireNonNull(template, "template"));
        this.bosToken = Objects.requireNonNull(bosToken, "bosToken");
        this.eosToken = Objects.requireNonNull(eosToken, "eosToken");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        checkTags();
    }

    /** Parses the template once, so that misnested or unknown tags fail at load time, not at the first chat. */
    private void checkTags() {
        JinjavaInterpreter interpreter = TemplateEnvironment.JINJAVA.newInterpreter();
        interpreter.parse(source);
        TemplateErrors.firstFailure(interpreter.getErrors()).ifPresent(failure -> {
            throw failure;
        });
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, List<Map<String, Object>> tools,
            Map<String, Object> extraContext) {
        Map<String, Object> context = context(messages, addGenerationPrompt, tools, extraContext);
        RenderResult result;
        try {
            result = TemplateEnvironment.JINJAVA.renderForResult(source, context,
                    TemplateEnvironment.renderConfig(clock, new RenderGuard(timeout)));
        } catch (RuntimeException e) {
            throw TemplateErrors.exception(e, "chat template failed: " + e.getMessage());
        }
        TemplateErrors.firstFailure(result.getErrors()).ifPresent(failure -> {
            throw failure;
        });
        return result.getOutput();
    }

    private Map<String, Object> context(List<ChatMessage> messages, boolean addGenerationPrompt,
            List<Map<String, Object>> tools, Map<String, Object> extraContext) {
        Map<String, Object> context = new HashMap<>();
        if (extraContext != null) {
            for (Map.Entry<String, Object> entry : extraContext.entrySet()) {
                if (RESERVED.contains(entry.getKey())) {
                    throw new IllegalArgumentException("extra context may not set '" + entry.getKey()
                            + "'; pass it as its own argument");
                }
                context.put(entry.getKey(), entry.getValue());
            }
        }
        List<Object> templateMessages = new ArrayList<>();
        for (ChatMessage message : Objects.requireNonNull(messages, "messages")) {
            templateMessages.add(templateValue(message));
        }
        context.put("messages", templateMessages);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        if (tools != null && !tools.isEmpty()) {
            context.put("tools", new ArrayList<>(tools));
        }
        return context;
    }

    /** A message as the dict transformers passes: keys that do not apply are absent, not none. */
    private static Map<String, Object> templateValue(ChatMessage message) {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("role", message.role());
        value.put("content", message.content());
        if (!message.toolCalls().isEmpty()) {
            List<Object> calls = new ArrayList<>();
            for (ToolCall call : message.toolCalls()) {
                calls.add(templateValue(call));
            }
            value.put("tool_calls", calls);
        }
        if (message.toolCallId() != null) {
            value.put("tool_call_id", message.toolCallId());
        }
        if (message.name() != null) {
            value.put("name", message.name());
        }
        return value;
    }

    private static Map<String, Object> templateValue(ToolCall call) {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", call.name());
        function.put("arguments", arguments(call.arguments()));
        Map<String, Object> value = new LinkedHashMap<>();
        if (call.id() != null) {
            value.put("id", call.id());
        }
        value.put("type", "function");
        value.put("function", function);
        return value;
    }

    /** The arguments as a mapping when they are a JSON object, as templates expect; else the text as given. */
    private static Object arguments(String json) {
        try {
            return new ToolArguments(JSON.readValue(json, OBJECT), json);
        } catch (JsonProcessingException e) {
            return json;
        }
    }
}
