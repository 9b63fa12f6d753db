package dev.sift.engine.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code mapping|items}: the (key, value) pairs of a mapping, as Jinja's {@code items} filter gives
 * them ({@code for name, schema in properties|items}). Jinjava has no such filter.
 */
final class ItemsFilter implements ValueFilter {

    @Override
    public String getName() {
        return "items";
    }

    @Override
    public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        return switch (value) {
            case null -> List.of();
            case Map<?, ?> map -> map.entrySet().stream().map(e -> Arrays.asList(e.getKey(), e.getValue())).toList();
            default -> throw new ChatTemplateException("items: can only get item pairs from a mapping, not "
                    + value.getClass().getSimpleName());
        };
    }
}
