package dev.sift.engine.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code value|tojson}: transformers' {@code tojson}, which is Python's {@code json.dumps} (see
 * {@link PythonJson}) with its {@code indent}, {@code ensure_ascii} (false by default),
 * {@code sort_keys} and {@code separators} arguments. Jinjava's own writes no spaces after
 * separators. A positional argument is the indent, as in Jinja's own {@code tojson}.
 */
final class TojsonFilter implements ValueFilter {

    private static final Set<String> ARGUMENTS = Set.of("indent", "ensure_ascii", "sort_keys", "separators");

    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        for (String name : kwargs.keySet()) {
            if (!ARGUMENTS.contains(name)) {
                throw new ChatTemplateException("tojson: unexpected argument '" + name + "'");
            }
        }
        String indent = indent(kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null);
        PythonJson json = PythonJson.indented(indent);
        String itemSeparator = json.itemSeparator();
        String keySeparator = json.keySeparator();
        if (kwargs.get("separators") instanceof List<?> separators && separators.size() == 2) {
            itemSeparator = String.valueOf(separators.get(0));
            keySeparator = String.valueOf(separators.get(1));
        } else if (kwargs.get("separators") != null) {
            throw new ChatTemplateException("tojson: separators must be a pair of strings");
        }
        return new PythonJson(indent, itemSeparator, keySeparator, Boolean.TRUE.equals(kwargs.get("ensure_ascii")),
                Boolean.TRUE.equals(kwargs.get("sort_keys"))).dumps(value);
    }

    /** Python's indent: a number of spaces or the string itself; none for one line. */
    private static String indent(Object indent) {
        return switch (indent) {
            case null -> null;
            case Number n -> " ".repeat(Math.clamp(n.longValue(), 0, 64));
            case String s -> s;
            default -> throw new ChatTemplateException("tojson: indent must be a number or a string, got " + indent);
        };
    }
}
