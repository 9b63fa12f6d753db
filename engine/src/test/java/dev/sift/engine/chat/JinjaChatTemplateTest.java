package dev.sift.engine.chat;

import static dev.sift.engine.chat.Templates.render;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class JinjaChatTemplateTest {

    private static final String CHATML = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n"
            + "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

    @Nested
    class Context {

        @Test
        void messagesAreDictsReadableByKeyOrAttribute() {
            ChatTemplate template = ChatTemplate.jinja("{{ bos_token }}{% for m in messages %}{{ m['role'] }}:"
                    + "{{ m.content }};{% endfor %}{{ eos_token }}", "<s>", "</s>");

            assertThat(template.render(List.of(ChatMessage.user("Hi!"), ChatMessage.assistant("Hello.")), false))
                    .isEqualTo("<s>user:Hi!;assistant:Hello.;</s>");
        }

        @Test
        void toolCallsReachTheTemplateAsOpenAiDictsWithArgumentsAMappingThatPrintsAsItsJson() {
            ChatTemplate template = ChatTemplate.jinja("{% for m in messages %}"
                    + "{% if m.content is none %}(no content){% endif %}"
                    + "{% for call in m.tool_calls %}{{ call.id }} {{ call.type }} {{ call.function.name }} "
                    + "{{ call.function.arguments|tojson }} {{ call.function.arguments.city }} "
                    + "{{ '' + call.function.arguments }};{% endfor %}"
                    + "{% if m.role == 'tool' %}{{ m.tool_call_id }} {{ m.name }}: {{ m.content }}{% endif %}"
                    + "{% endfor %}", "", "");
            List<ChatMessage> messages = List.of(
                    ChatMessage.assistant(null, List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"))),
                    ChatMessage.tool("18 C", "call_1", "get_weather"));

            assertThat(template.render(messages, false)).isEqualTo(
                    "(no content)call_1 function get_weather {\"city\": \"Paris\"} Paris {\"city\":\"Paris\"};"
                            + "call_1 get_weather: 18 C");
        }

        @Test
        void argumentsThatAreNotAJsonObjectStayText() {
            ChatTemplate template = ChatTemplate.jinja(
                    "{% for call in messages[0].tool_calls %}[{{ call.function.arguments }}]{% endfor %}", "", "");
            ChatMessage message = ChatMessage.assistant(null, List.of(new ToolCall(null, "f", "{not json")));

            assertThat(template.render(List.of(message), false)).isEqualTo("[{not json]");
        }

        @Test
        void fieldsThatDoNotApplyAreUndefined() {
            ChatTemplate template = ChatTemplate.jinja("{% for m in messages %}"
                    + "{% if 'tool_calls' not in m and m.tool_call_id is not defined and m.name is not defined %}"
                    + "plain{% endif %}{% endfor %}", "", "");

            assertThat(template.render(List.of(ChatMessage.user("Hi!")), false)).isEqualTo("plain");
        }

        @Test
        void toolsAreDefinedOnlyWhenThereAreSome() {
            ChatTemplate template = ChatTemplate.jinja("{% if tools is defined %}{{ tools[0].function.name }}"
                    + "{% else %}none{% endif %}", "", "");
            List<Map<String, Object>> tools = List.of(Map.of("type", "function", "function", Map.of("name", "f")));

            assertThat(template.render(List.of(), false, List.of(), Map.of())).isEqualTo("none");
            assertThat(template.render(List.of(), false, null, null)).isEqualTo("none");
            assertThat(template.render(List.of(), false, tools, Map.of())).isEqualTo("f");
        }

        @Test
        void extraContextAddsVariablesButCannotReplaceTheConversation() {
            assertThat(render("{{ date_string }}", Map.of("date_string", "1 Jan 2025"))).isEqualTo("1 Jan 2025");
            assertThatThrownBy(() -> render("", Map.of("messages", List.of())))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'messages'");
        }

        @Test
        void messageContentIsNeverRenderedAsTemplateCode() {
            ChatTemplate template = ChatTemplate.jinja(CHATML, "", "");

            assertThat(template.render(List.of(ChatMessage.user("{{ raise_exception('boom') }}{% if %}")), false))
                    .isEqualTo("<|im_start|>user\n{{ raise_exception('boom') }}{% if %}<|im_end|>\n");
        }
    }

    @Nested
    class Failures {

        @Test
        void raiseExceptionFailsWithTheTemplatesOwnMessage() {
            assertThatThrownBy(() -> render("a{% if true %}{{ raise_exception('Only user and assistant roles') }}"
                    + "{% endif %}b{{ raise_exception('a second problem') }}"))
                    .isExactlyInstanceOf(ChatTemplateException.class)
                    .hasMessage("Only user and assistant roles");
        }

        @Test
        void malformedTemplatesFailWhenLoadedNamingTheProblem() {
            assertThatThrownBy(() -> ChatTemplate.jinja("ok\n{{ messages ", "", ""))
                    .isInstanceOf(ChatTemplateException.class)
                    .hasMessage("chat template syntax error at line 2: '{{' is not closed");
            assertThatThrownBy(() -> ChatTemplate.jinja("{# note", "", ""))
                    .hasMessage("chat template syntax error at line 1: comment is not closed");
            assertThatThrownBy(() -> ChatTemplate.jinja("{{ 'abc }}", "", ""))
                    .hasMessage("chat template syntax error at line 1: unterminated string literal");
            assertThatThrownBy(() -> ChatTemplate.jinja("{% if true %}never closed", "", ""))
                    .isInstanceOf(ChatTemplateException.class)
                    .hasMessageContaining("endif");
            assertThatThrownBy(() -> ChatTemplate.jinja("{% generation %}x{% endgeneration %}", "", ""))
                    .isInstanceOf(ChatTemplateException.class)
                    .hasMessageContaining("generation");
        }

        @Test
        void malformedExpressionsFailWhenRendered() {
            assertThatThrownBy(() -> render("{{ 1 + }}"))
                    .isInstanceOf(ChatTemplateException.class)
                    .hasMessageContaining("1 +");
            assertThatThrownBy(() -> render("{{ 'abc'.nonexistent() }}"))
                    .isInstanceOf(ChatTemplateException.class)
                    .hasMessageContaining("nonexistent");
        }

        @Test
        void templatesCannotReadOtherFiles() {
            assertThatThrownBy(() -> render("{% include 'logback.xml' %}"))
                    .isInstanceOf(ChatTemplateException.class)
                    .hasMessageContaining("include");
        }
    }

    @Nested
    class Limits {

        @Test
        void aRenderThatRunsPastItsDeadlineFailsPromptly() {
            ChatTemplate endless = new JinjaChatTemplate("{% for a in range(1000000) %}{% for b in range(1000000) %}"
                    + "{% if a == b %}{% endif %}{% endfor %}{% endfor %}", "", "", Clock.systemUTC(),
                    Duration.ofMillis(200));
            long start = System.nanoTime();

            assertThatThrownBy(() -> endless.render(List.of(), false))
                    .isInstanceOf(ChatTemplateException.class)
                    .hasMessage("chat template took longer than 200 ms to render");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }

        @Test
        void outputOverOneMebibyteFails() {
            assertThatThrownBy(() -> render("{% for i in range(200000) %}0123456789{% endfor %}"))
                    .isInstanceOf(ChatTemplateException.class)
                    .hasMessage("chat template output exceeds the limit of 1048576 characters");
        }

        @Test
        void stringsCannotGrowPastTheLimitUnseen() {
            assertThatThrownBy(() -> render("{% set ns = namespace(s='ab') %}{% for i in range(64) %}"
                    + "{% set ns.s = ns.s ~ ns.s %}{% endfor %}"))
                    .isInstanceOf(ChatTemplateException.class)
                    .hasMessageContaining("limit");
            assertThatThrownBy(() -> render("{% set s = 'x' %}"
                    + "{% for i in range(20) %}{% set s = s.replace('', s) %}{% endfor %}"))
                    .isInstanceOf(ChatTemplateException.class)
                    .hasMessageContaining("limit");
        }

        @Test
        void macroRecursionIsBounded() {
            assertThatThrownBy(() -> render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"))
                    .isInstanceOf(ChatTemplateException.class)
                    .hasMessageContaining("recursion");
        }
    }
}
