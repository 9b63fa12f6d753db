package dev.sift.engine.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Map;

/**
 * A Jinjava filter that takes its arguments as the values the template passed, positional and
 * named, as Jinja filters do, rather than as Jinjava's strings.
 */
interface ValueFilter extends Filter {

    @Override
    Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs);

    @Override
    default Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
        return filter(value, interpreter, args, Map.of());
    }
}
