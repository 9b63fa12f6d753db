package dev.sift.engine.chat;

import static dev.sift.engine.chat.Templates.render;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Templates render as Jinja renders them under transformers (trim_blocks and lstrip_blocks on),
 * where plain Jinjava would not. Expected outputs are Jinja's.
 */
class JinjaCompatibilityTest {

    @Nested
    class WhitespaceControl {

        @Test
        void minusStripsAllWhitespaceOnItsSideOfAnExpression() {
            assertThat(render("a  \n  {{- 'b' }}")).isEqualTo("ab");
            assertThat(render("{{ 'a' -}}  \n  b")).isEqualTo("ab");
        }

        @Test
        void minusStripsAroundBlocksAndComments() {
            assertThat(render("{%- if true -%}\n  x  \n{%- endif -%}")).isEqualTo("x");
            assertThat(render("a \n{#- note -#}\n b")).isEqualTo("ab");
        }

        @Test
        void trimBlocksDropsTheNewlineAfterABlockAndLstripBlocksItsIndentation() {
            assertThat(render("{% if true %}\n    x\n    {% endif %}\ny")).isEqualTo("    x\ny");
            assertThat(render("a\n  {# note #}\nb")).isEqualTo("a\nb");
        }

        @Test
        void lstripBlocksOnlyStripsIndentationAtTheStartOfALine() {
            assertThat(render("  {% if true %}x{% endif %}")).isEqualTo("x");
            assertThat(render("a  {% if true %}x{% endif %}")).isEqualTo("a  x");
            assertThat(render("{% if true %}  {% endif %}")).isEqualTo("  ");
            assertThat(render("  {{ 'x' }}")).isEqualTo("  x");
        }

        @Test
        void plusKeepsWhitespaceThatTrimmingWouldRemove() {
            assertThat(render("  {%+ if true %}x{% endif %}")).isEqualTo("  x");
            assertThat(render("{% if true +%}\nx{% endif %}")).isEqualTo("\nx");
        }

        @Test
        void lineEndingsAreNormalizedAndOneTrailingNewlineDropped() {
            assertThat(render("a\r\nb\rc\n")).isEqualTo("a\nb\nc");
            assertThat(render("a\n\n")).isEqualTo("a\n");
        }

        @Test
        void rawBlocksAreText() {
            assertThat(render("{% raw %}{{ not rendered }}{# kept #}{% endraw %}"))
                    .isEqualTo("{{ not rendered }}{# kept #}");
        }
    }

    @Nested
    class Expressions {

        @Test
        void notBindsMoreLooselyThanComparisons() {
            assertThat(render("{% if not 'ab'|length == 1 %}yes{% endif %}")).isEqualTo("yes");
            assertThat(render("{% if 'a' not in 'xyz' and 'x' is not none %}yes{% endif %}")).isEqualTo("yes");
        }

        @Test
        void keywordArgumentsTakeWholeExpressions() {
            assertThat(render("{% set ns = namespace(n=[1, 2, 3]|length - 1) %}{{ ns.n }}")).isEqualTo("2");
            assertThat(render("{% macro f(x, indent=0) %}[{{ x }}:{{ indent }}]{% endmacro %}"
                    + "{{ f('a') }}{{ f('b', indent=2 + 1) }}")).isEqualTo("[a:0][b:3]");
        }

        @Test
        void reversedSlicesWork() {
            assertThat(render("{{ [1, 2, 3][::-1]|join(',') }}|{{ 'abc'[::-1] }}|{{ x.items[::-1][0] }}",
                    Map.of("x", Map.of("items", List.of("a", "b"))))).isEqualTo("3,2,1|cba|b");
        }

        @Test
        void dictLiteralsMayEndInAdjacentBraces() {
            assertThat(render("{{ {'a': {'b': 1}}['a']['b'] }}")).isEqualTo("1");
        }

        @Test
        void stringLiteralsTakePythonEscapes() {
            assertThat(render("{{ '\\u2581\\x41\\N{BULLET}\\t' ~ \"it's\" ~ '\\\\n' }}")).isEqualTo("▁A•\tit's\\n");
        }

        @Test
        void globalFunctionsAreDefinedVariables() {
            assertThat(render("{% if strftime_now is defined and raise_exception is defined %}yes{% endif %}"))
                    .isEqualTo("yes");
        }

        @Test
        void strftimeNowReadsTheTemplatesClock() {
            Clock clock = Clock.fixed(Instant.parse("2024-07-06T09:05:00Z"), ZoneOffset.UTC);
            ChatTemplate template = ChatTemplate.jinja("{{ strftime_now('%d %b %Y, %A %H:%M') }}", "", "", clock);

            assertThat(template.render(List.of(), false)).isEqualTo("06 Jul 2024, Saturday 09:05");
        }

        @Test
        void namespacesCarryValuesOutOfLoops() {
            assertThat(render("{% set ns = namespace(found=false) %}{% for x in [1, 2] %}{% if x == 2 %}"
                    + "{% set ns.found = true %}{% endif %}{% endfor %}{% if ns.found %}found{% endif %}"))
                    .isEqualTo("found");
        }
    }

    @Nested
    class StringMethods {

        @ParameterizedTest(name = "{0} -> [{1}]")
        @CsvSource(delimiterString = " -> ", quoteCharacter = '"', value = {
            "{{ '  a b \\n'.strip() }} -> a b",
            "{{ 'xxaxx'.strip('x') }} -> a",
            "{{ '\\n\\na\\n'.lstrip('\\n') }} -> \"a\n\"",
            "{{ 'a  '.rstrip() }} -> a",
            "{{ 'a</think>b'.split('</think>')[-1] }} -> b",
            "{{ ' a  b '.split()|join(',') }} -> a,b",
            "{{ 'a,b,c'.split(',', 1)|join('+') }} -> a+b,c",
            "{{ 'a-b-c'.replace('-', '+') }} -> a+b+c",
            "{{ 'a-b-c'.replace('-', '+', 1) }} -> a+b-c",
            "{{ 'Abc'.upper() ~ 'Abc'.lower() }} -> ABCabc",
            "{{ \"they're bill's friends\".title() }} -> They'Re Bill'S Friends",
            "{{ 'abc'[-1] ~ 'abc'[0] ~ 'abc'[5] }} -> ca",
            "{{ 'abc'.startswith('ab') ~ 'abc'.endswith(('x', 'bc')) }} -> truetrue",
        })
        void behaveAsInPython(String template, String expected) {
            assertThat(render(template)).isEqualTo(expected == null ? "" : expected);
        }

        @Test
        void trimFilterStripsPythonWhitespaceOrGivenCharacters() {
            assertThat(render("[{{ '\\u00a0 x \\n'|trim }}][{{ 'xxaxx'|trim('x') }}]")).isEqualTo("[x][a]");
        }
    }

    @Nested
    class Filters {

        @Test
        void tojsonWritesPythonsJsonDumps() {
            assertThat(render("{{ x|tojson }}", Map.of("x", Map.of("a", List.of(1, 2.5, "é\"\n")))))
                    .isEqualTo("{\"a\": [1, 2.5, \"é\\\"\\n\"]}");
            assertThat(render("{{ {'a': [1, none, true], 'b': {}}|tojson(indent=2) }}"))
                    .isEqualTo("{\n  \"a\": [\n    1,\n    null,\n    true\n  ],\n  \"b\": {}\n}");
            assertThat(render("{{ {'b': 'é', 'a': [1, 2]}|tojson(ensure_ascii=True, sort_keys=True, "
                    + "separators=(',', ':')) }}|{{ 'é'|tojson(ensure_ascii=False) }}"))
                    .isEqualTo("{\"a\":[1,2],\"b\":\"\\u00e9\"}|\"é\"");
        }

        @Test
        void itemsGivesKeyValuePairs() {
            assertThat(render("{% for k, v in x|items %}{{ k }}={{ v }};{% endfor %}",
                    Map.of("x", Map.of("a", 1)))).isEqualTo("a=1;");
        }

        @Test
        void stringsAndMappingsAreIterable() {
            assertThat(render("{% if 'x' is iterable and {} is iterable and 1 is not iterable %}yes{% endif %}"))
                    .isEqualTo("yes");
        }
    }

    @Nested
    class ForLoops {

        @Test
        void aLoopFilterIsAppliedBeforeTheLoop() {
            assertThat(render("{% for x in [1, 2, 3, 4] if x is odd %}{{ x }}{% if not loop.last %},{% endif %}"
                    + "{% endfor %}")).isEqualTo("1,3");
        }

        @Test
        void loopsKnowTheirNeighbours() {
            assertThat(render("{% for x in [1, 2, 3] %}{{ loop.previtem }}<{{ x }}>{{ loop.nextitem }} {% endfor %}"))
                    .isEqualTo("<1>2 1<2>3 2<3> ");
        }

        @Test
        void mappingsYieldKeysAndStringsCharacters() {
            assertThat(render("{% for k in x %}{{ k }}{% endfor %}{% for c in 'ab' %}[{{ c }}]{% endfor %}",
                    Map.of("x", Map.of("a", 1)))).isEqualTo("a[a][b]");
        }

        @Test
        void loopVariablesStayInTheLoop() {
            assertThat(render("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{% endfor %}{{ x }}")).isEqualTo("1");
        }

        @Test
        void breakAndContinueWork() {
            assertThat(render("{% for x in [1, 2, 3, 4] %}{% if x == 2 %}{% continue %}{% endif %}"
                    + "{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}")).isEqualTo("13");
        }

        @Test
        void loopingOverAnUndefinedVariableFails() {
            assertThatThrownBy(() -> render("{% for tool in tools %}{{ tool }}{% endfor %}"))
                    .isInstanceOf(ChatTemplateException.class)
                    .hasMessageContaining("Expected iterable or object type in for loop: got UndefinedValue")
                    .hasMessageContaining("'tools'");
        }

        @Test
        void loopingOverAMissingAttributeRunsZeroTimes() {
            ChatTemplate template = ChatTemplate.jinja("{% for m in messages %}{{ m.role }}"
                    + "{% for call in m.tool_calls %}:{{ call.function.name }}{% endfor %};{% endfor %}", "", "");
            List<ChatMessage> messages = List.of(ChatMessage.user("Hi!"),
                    ChatMessage.assistant(null, List.of(new ToolCall(null, "f", "{}"))));

            assertThat(template.render(messages, false)).isEqualTo("user;assistant:f;");
        }

        @Test
        void unpackingTheWrongNumberOfValuesFails() {
            assertThatThrownBy(() -> render("{% for a, b in [[1, 2, 3]] %}{% endfor %}"))
                    .isInstanceOf(ChatTemplateException.class)
                    .hasMessageContaining("cannot unpack 3 values");
        }
    }
}
