package dev.sift.engine.chat;

import com.hubspot.jinjava.objects.collections.PyMap;
import java.util.Map;

/**
 * A tool call's arguments as templates see them: a mapping, the form transformers documents (so
 * {@code |tojson}, {@code .items()} and {@code is mapping} work), that prints as the JSON text it
 * was parsed from, which templates written for OpenAI's string arguments concatenate (DeepSeek V3:
 * {@code '<｜tool▁sep｜>' + tool['function']['arguments']}). Without this Jinjava would print the
 * map as Java does.
 */
final class ToolArguments extends PyMap {

    private final String json;

    ToolArguments(Map<String, Object> parsed, String json) {
        super(parsed);
        this.json = json;
    }

    @Override
    public String toString() {
        return json;
    }
}
