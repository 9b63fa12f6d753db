package dev.sift.engine.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Python's {@code str} semantics for the string operations chat templates use, so that
 * {@code content.strip()}, {@code |trim} and whitespace control treat the same characters as
 * whitespace, and split the same way, as they do under transformers.
 */
final class PythonStrings {

    private PythonStrings() {
    }

    /** Python's {@code str.isspace()} for one character (Java's isWhitespace misses no-break spaces). */
    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    /** {@code s.strip(chars)}; {@code chars == null} strips whitespace. */
    static String strip(String s, String chars) {
        return rstrip(lstrip(s, chars), chars);
    }

    /** {@code s.lstrip(chars)}; {@code chars == null} strips whitespace. */
    static String lstrip(String s, String chars) {
        int start = 0;
        while (start < s.length() && stripped(s.charAt(start), chars)) {
            start++;
        }
        return s.substring(start);
    }

    /** {@code s.rstrip(chars)}; {@code chars == null} strips whitespace. */
    static String rstrip(String s, String chars) {
        int end = s.length();
        while (end > 0 && stripped(s.charAt(end - 1), chars)) {
            end--;
        }
        return s.substring(0, end);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    /**
     * {@code s.split(separator, maxSplit)}: {@code separator == null} splits on runs of whitespace and
     * drops empty pieces; a negative {@code maxSplit} means no limit.
     */
    static List<String> split(String s, String separator, int maxSplit) {
        if (separator == null) {
            return splitOnWhitespace(s, maxSplit);
        }
        if (separator.isEmpty()) {
            throw new ChatTemplateException("str.split(): empty separator");
        }
        List<String> pieces = new ArrayList<>();
        int start = 0;
        int found;
        while ((maxSplit < 0 || pieces.size() < maxSplit) && (found = s.indexOf(separator, start)) >= 0) {
            pieces.add(s.substring(start, found));
            start = found + separator.length();
        }
        pieces.add(s.substring(start));
        return pieces;
    }

    private static List<String> splitOnWhitespace(String s, int maxSplit) {
        List<String> pieces = new ArrayList<>();
        int i = 0;
        while (true) {
            while (i < s.length() && isSpace(s.charAt(i))) {
                i++;
            }
            if (i == s.length()) {
                return pieces;
            }
            if (maxSplit >= 0 && pieces.size() == maxSplit) {
                // Python keeps the remainder whole, trailing whitespace included.
                pieces.add(s.substring(i));
                return pieces;
            }
            int start = i;
            while (i < s.length() && !isSpace(s.charAt(i))) {
                i++;
            }
            pieces.add(s.substring(start, i));
        }
    }

    /**
     * {@code s.replace(old, replacement, count)}; a negative {@code count} replaces every occurrence.
     *
     * @throws ChatTemplateException if the result would be longer than {@code maxLength}
     */
    static String replace(String s, String old, String replacement, int count, long maxLength) {
        int limit = count < 0 ? Integer.MAX_VALUE : count;
        List<Integer> matches = new ArrayList<>();
        if (old.isEmpty()) {
            // Python inserts the replacement before every character and at the end.
            for (int i = 0; i <= s.length() && matches.size() < limit; i++) {
                matches.add(i);
            }
        } else {
            for (int i = s.indexOf(old); i >= 0 && matches.size() < limit; i = s.indexOf(old, i + old.length())) {
                matches.add(i);
            }
        }
        long length = s.length() + (long) matches.size() * (replacement.length() - old.length());
        if (length > maxLength) {
            throw new ChatTemplateException("str.replace() result of " + length + " characters exceeds the limit of "
                    + maxLength);
        }
        StringBuilder out = new StringBuilder((int) length);
        int copied = 0;
        for (int match : matches) {
            out.append(s, copied, match).append(replacement);
            copied = match + old.length();
        }
        return out.append(s, copied, s.length()).toString();
    }

    /** {@code s.title()}: a cased character after an uncased one starts a word. */
    static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            String character = Character.toString(c);
            if (previousCased) {
                out.append(character.toLowerCase(Locale.ROOT));
            } else {
                // Full case mapping, as Python's: "ß" starts a word as "Ss".
                String upper = character.toUpperCase(Locale.ROOT);
                out.append(upper.length() == character.length() ? Character.toString(Character.toTitleCase(c))
                        : upper.charAt(0) + upper.substring(1).toLowerCase(Locale.ROOT));
            }
            previousCased = Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c);
            i += Character.charCount(c);
        }
        return out.toString();
    }
}
