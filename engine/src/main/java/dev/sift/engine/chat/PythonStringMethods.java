package dev.sift.engine.chat;

import java.beans.FeatureDescriptor;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Gives strings in templates the Python {@code str} methods chat templates call ({@code strip},
 * {@code lstrip}, {@code rstrip}, {@code startswith}, {@code endswith}, {@code split},
 * {@code replace}, {@code upper}, {@code lower}, {@code title}) and Python's indexing
 * ({@code s[-1]}).
 *
 * <p>Jinjava evaluates {@code s.method(...)} by calling a Java method of {@link String}, so
 * {@code startswith} does not exist and {@code split} would take a regular expression. This
 * resolver sits in front of Jinjava's own: it answers these calls on strings with Python's
 * semantics and leaves everything else to the resolvers behind it.
 */
final class PythonStringMethods extends ELResolver {

    private static final Set<String> METHODS = Set.of(
            "strip", "lstrip", "rstrip", "startswith", "endswith", "split", "replace", "upper", "lower", "title");

    private final long maxLength;

    /** @param maxLength the longest string {@code replace} may produce */
    PythonStringMethods(long maxLength) {
        this.maxLength = maxLength;
    }

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || !(method instanceof String name) || !METHODS.contains(name)) {
            return null;
        }
        Object result = call(s, name, params == null ? new Object[0] : params);
        context.setPropertyResolved(true);
        return result;
    }

    private Object call(String s, String name, Object[] args) {
        return switch (name) {
            case "strip" -> PythonStrings.strip(s, optionalText(name, args, 0, 1));
            case "lstrip" -> PythonStrings.lstrip(s, optionalText(name, args, 0, 1));
            case "rstrip" -> PythonStrings.rstrip(s, optionalText(name, args, 0, 1));
            case "startswith" -> affixes(name, args).stream().anyMatch(s::startsWith);
            case "endswith" -> affixes(name, args).stream().anyMatch(s::endsWith);
            case "split" -> PythonStrings.split(s, optionalText(name, args, 0, 2), optionalInt(name, args, 1));
            case "replace" -> {
                arity(name, args, 2, 3);
                yield PythonStrings.replace(s, text(name, args[0]), text(name, args[1]), optionalInt(name, args, 2),
                        maxLength);
            }
            case "upper" -> {
                arity(name, args, 0, 0);
                yield s.toUpperCase(Locale.ROOT);
            }
            case "lower" -> {
                arity(name, args, 0, 0);
                yield s.toLowerCase(Locale.ROOT);
            }
            case "title" -> {
                arity(name, args, 0, 0);
                yield PythonStrings.title(s);
            }
            default -> throw new IllegalStateException("no Python method " + name);
        };
    }

    /** The prefixes or suffixes to test: one string or a tuple of them. */
    private static List<String> affixes(String name, Object[] args) {
        arity(name, args, 1, 1);
        if (args[0] instanceof Collection<?> tuple) {
            return tuple.stream().map(item -> text(name, item)).toList();
        }
        return List.of(text(name, args[0]));
    }

    /** Argument {@code index} as a string, or null when absent or None; checks there are at most {@code max}. */
    private static String optionalText(String name, Object[] args, int index, int max) {
        arity(name, args, 0, max);
        return index < args.length && args[index] != null ? text(name, args[index]) : null;
    }

    /** Argument {@code index} as an int, or -1 (Python's "no limit") when absent. */
    private static int optionalInt(String name, Object[] args, int index) {
        if (index >= args.length) {
            return -1;
        }
        if (!(args[index] instanceof Number n)) {
            throw new ChatTemplateException("str." + name + "() expects an integer, got " + args[index]);
        }
        return (int) Math.max(-1, Math.min(Integer.MAX_VALUE, n.longValue()));
    }

    private static String text(String name, Object arg) {
        if (!(arg instanceof String s)) {
            throw new ChatTemplateException("str." + name + "() expects a string, got " + arg);
        }
        return s;
    }

    private static void arity(String name, Object[] args, int min, int max) {
        if (args.length < min || args.length > max) {
            throw new ChatTemplateException("str." + name + "() takes " + (min == max ? "" + min : min + " to " + max)
                    + " arguments (" + args.length + " given)");
        }
    }

    /** {@code s[i]} with Python's negative indexes; out of range is undefined, as in Jinja. */
    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        if (!(base instanceof String s) || !(property instanceof Number || isInteger(property))) {
            return null;
        }
        context.setPropertyResolved(true);
        long index = property instanceof Number n ? n.longValue() : Long.parseLong((String) property);
        long position = index < 0 ? s.length() + index : index;
        return position >= 0 && position < s.length() ? String.valueOf(s.charAt((int) position)) : null;
    }

    /** Jinjava hands subscripts over as strings: {@code s[-1]} arrives as "-1". */
    private static boolean isInteger(Object property) {
        return property instanceof String p && p.matches("-?\\d{1,18}");
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // Strings are immutable: nothing to set, and other bases belong to the resolvers behind.
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
