package dev.sift.engine.chat;

import java.util.List;
import java.util.Map;

/** Renders small test templates. */
final class Templates {

    private Templates() {
    }

    /** Renders {@code source} with no messages and the given extra variables. */
    static String render(String source, Map<String, Object> variables) {
        return ChatTemplate.jinja(source, "<s>", "</s>").render(List.of(), false, List.of(), variables);
    }

    static String render(String source) {
        return render(source, Map.of());
    }
}
