package dev.sift.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Expected outputs are CPython's {@code json.dumps(value, ensure_ascii=False)}. */
class PythonJsonTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "0.1, 0.1",
        "100.0, 100.0",
        "1e-5, 1e-05",
        "0.0001, 0.0001",
        "1e15, 1000000000000000.0",
        "1e16, 1e+16",
        "-2.5e-7, -2.5e-07",
        "1.5e300, 1.5e+300",
        "123456789.125, 123456789.125",
        "-0.0, -0.0",
    })
    void floatsAreWrittenAsPythonsRepr(double value, String expected) {
        assertThat(PythonJson.indented(null).dumps(value)).isEqualTo(expected);
    }

    @Test
    void compactOutputUsesPythonsSeparators() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("b", List.of(1, 2L, true, false));
        value.put("a", null);
        value.put("e", Map.of());

        assertThat(PythonJson.indented(null).dumps(value))
                .isEqualTo("{\"b\": [1, 2, true, false], \"a\": null, \"e\": {}}");
    }

    @Test
    void indentedOutputPutsEachItemOnItsOwnLine() {
        assertThat(PythonJson.indented("    ").dumps(Map.of("a", List.of(1, List.of()))))
                .isEqualTo("{\n    \"a\": [\n        1,\n        []\n    ]\n}");
    }

    @Test
    void stringsEscapeOnlyWhatJsonRequires() {
        assertThat(PythonJson.indented(null).dumps("é ▁ \" \\ / \n\r\t\b\f \u0001 \u007f"))
                .isEqualTo("\"é ▁ \\\" \\\\ / \\n\\r\\t\\b\\f \\u0001 \u007f\"");
    }

    @Test
    void keysBecomeStringsAsInPython() {
        Map<Object, Object> value = new LinkedHashMap<>();
        value.put(1, "int");
        value.put(true, "bool");
        value.put(null, "none");

        assertThat(PythonJson.indented(null).dumps(value))
                .isEqualTo("{\"1\": \"int\", \"true\": \"bool\", \"null\": \"none\"}");
    }

    @Test
    void circularStructuresAndUnknownTypesFail() {
        List<Object> circular = new ArrayList<>();
        circular.add(circular);

        assertThatThrownBy(() -> PythonJson.indented(null).dumps(circular))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("circular");
        assertThatThrownBy(() -> PythonJson.indented(null).dumps(new Object()))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessage("tojson: object of type Object is not JSON serializable");
    }
}
