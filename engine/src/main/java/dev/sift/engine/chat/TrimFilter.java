package dev.sift.engine.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import java.util.Map;

/**
 * {@code text|trim} and {@code text|trim(chars)}: Python's {@code str.strip}, as in Jinja. Jinjava's
 * own trims Java's notion of whitespace (every control character, but no no-break space) and takes
 * no characters to strip.
 */
final class TrimFilter implements ValueFilter {

    @Override
    public String getName() {
        return "trim";
    }

    @Override
    public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object chars = kwargs.containsKey("chars") ? kwargs.get("chars") : args.length > 0 ? args[0] : null;
        return PythonStrings.strip(value == null ? "" : value.toString(), chars == null ? null : chars.toString());
    }
}
