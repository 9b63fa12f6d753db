package dev.sift.engine.chat;

import com.hubspot.jinjava.objects.SafeString;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Python's {@code json.dumps}, which transformers' {@code tojson} filter calls, so that tool schemas
 * and arguments reach the prompt byte for byte as under transformers: {@code ", "} and {@code ": "}
 * separators ({@code ","} at line ends when indenting), non-ASCII characters kept as they are
 * (transformers passes {@code ensure_ascii=False}), and floats written as Python's {@code repr}
 * writes them.
 *
 * @param indent        null for one line, else the indentation of each nesting level
 * @param itemSeparator what separates items
 * @param keySeparator  what separates a key from its value
 * @param ensureAscii   whether to escape every non-ASCII character
 * @param sortKeys      whether to write object members sorted by key
 */
record PythonJson(String indent, String itemSeparator, String keySeparator, boolean ensureAscii, boolean sortKeys) {

    /** Deeper nesting than this is taken for a circular structure, which Python also refuses. */
    private static final int MAX_DEPTH = 512;

    /** {@code json.dumps(value, indent=indent, ensure_ascii=False)}: Python's separators for the indent. */
    static PythonJson indented(String indent) {
        return new PythonJson(indent, indent == null ? ", " : ",", ": ", false, false);
    }

    /**
     * The JSON text of {@code value}: maps become objects (in their iteration order unless sorted),
     * lists, other iterables and arrays become arrays.
     *
     * @throws ChatTemplateException if the value holds something JSON cannot represent
     */
    String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, 0, out);
        return out.toString();
    }

    private void write(Object value, int depth, StringBuilder out) {
        if (depth > MAX_DEPTH) {
            throw new ChatTemplateException("tojson: value nests deeper than " + MAX_DEPTH
                    + " levels (circular reference?)");
        }
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case String s -> string(s, out);
            case SafeString s -> string(s.toString(), out);
            case Character c -> string(c.toString(), out);
            case Double d -> out.append(pythonFloat(d));
            case Float f -> out.append(pythonFloat(f.doubleValue()));
            case BigDecimal d -> out.append(pythonFloat(d.doubleValue()));
            case Number n -> out.append(n instanceof BigInteger ? n.toString() : Long.toString(n.longValue()));
            case Map<?, ?> map -> object(map, depth, out);
            case Iterable<?> items -> array(items.iterator(), depth, out);
            default -> {
                if (!value.getClass().isArray()) {
                    throw new ChatTemplateException("tojson: object of type " + value.getClass().getSimpleName()
                            + " is not JSON serializable");
                }
                array(arrayIterator(value), depth, out);
            }
        }
    }

    private void object(Map<?, ?> map, int depth, StringBuilder out) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        List<Map.Entry<String, Object>> members = new ArrayList<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            members.add(new AbstractMap.SimpleEntry<>(key(entry.getKey()), entry.getValue()));
        }
        if (sortKeys) {
            members.sort(Map.Entry.comparingByKey(Comparator.naturalOrder()));
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, Object> member : members) {
            separator(first, depth + 1, out);
            first = false;
            string(member.getKey(), out);
            out.append(keySeparator);
            write(member.getValue(), depth + 1, out);
        }
        newline(depth, out);
        out.append('}');
    }

    private void array(Iterator<?> items, int depth, StringBuilder out) {
        if (!items.hasNext()) {
            out.append("[]");
            return;
        }
        out.append('[');
        boolean first = true;
        while (items.hasNext()) {
            separator(first, depth + 1, out);
            first = false;
            write(items.next(), depth + 1, out);
        }
        newline(depth, out);
        out.append(']');
    }

    private static Iterator<Object> arrayIterator(Object array) {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < Array.getLength(array);
            }

            @Override
            public Object next() {
                return Array.get(array, next++);
            }
        };
    }

    /** Python converts keys of these types to strings; any other key type is an error. */
    private static String key(Object key) {
        return switch (key) {
            case String s -> s;
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Double d -> pythonFloat(d);
            case Float f -> pythonFloat(f.doubleValue());
            case Number n -> n.toString();
            default -> throw new ChatTemplateException("tojson: keys must be str, int, float, bool or None, not "
                    + key.getClass().getSimpleName());
        };
    }

    private void separator(boolean first, int depth, StringBuilder out) {
        if (!first) {
            out.append(itemSeparator);
        }
        newline(depth, out);
    }

    private void newline(int depth, StringBuilder out) {
        if (indent != null) {
            out.append('\n').append(indent.repeat(depth));
        }
    }

    private void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7f && ensureAscii) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * Python's {@code repr} of a float: the shortest digits that read back to the same value (as
     * Java's {@link Double#toString} also finds them), written positionally for decimal exponents
     * from -4 to 15 and in scientific notation ({@code 1e-05}, {@code 1.5e+16}) otherwise.
     */
    static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal shortest = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = shortest.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - shortest.scale();
        String sign = d < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+")
                    + String.format(Locale.ROOT, "%02d", Math.abs(exponent));
        }
        String plain = shortest.abs().toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }
}
