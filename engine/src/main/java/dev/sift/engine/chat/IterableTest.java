package dev.sift.engine.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import java.util.Iterator;
import java.util.Map;

/**
 * {@code value is iterable}, true as in Python for strings and mappings too: Llama 3.1 writes a
 * tool result that {@code is iterable} with {@code |tojson}, so a string result must count.
 * Jinjava's own test is false for both.
 */
final class IterableTest implements ExpTest {

    @Override
    public String getName() {
        return "iterable";
    }

    @Override
    public boolean evaluate(Object value, JinjavaInterpreter interpreter, Object... args) {
        return value instanceof CharSequence || value instanceof Iterable<?> || value instanceof Map<?, ?>
                || value instanceof Iterator<?> || value != null && value.getClass().isArray();
    }
}
