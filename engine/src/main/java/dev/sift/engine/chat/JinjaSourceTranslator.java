package dev.sift.engine.chat;

import dev.sift.engine.chat.JinjaExpressionLexer.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates a Hugging Face chat template into Jinjava source that renders the same text.
 *
 * <p>Where Jinjava departs from Jinja (configured as transformers configures it) in how a template
 * is read, this pass rewrites the source once, when the template is loaded, rather than patching
 * Jinjava's parser:
 * <ul>
 *   <li>Whitespace control is done here, by the rules of Jinja's lexer: {@code trim_blocks} (drop
 *       the newline right after a block or comment tag), {@code lstrip_blocks} (drop the spaces and
 *       tabs between the start of a line and a block or comment tag), and the {@code -} and
 *       {@code +} markers on every kind of tag. Jinjava ignores <code>{{-</code> and
 *       <code>-}}</code>, and doing all of it in one place keeps the rules consistent. Line endings
 *       become {@code \n} and one trailing newline is dropped, as Jinja does. The output carries no
 *       markers and is rendered with Jinjava's own trimming off.</li>
 *   <li>Comments are removed; raw blocks pass through.</li>
 *   <li>The code inside each tag is read with Jinja's lexical rules (a closing delimiter inside
 *       brackets or a string does not end the tag) and rewritten by {@link JinjaExpressionRewriter}.</li>
 * </ul>
 * What remains are semantic gaps (Python string methods, filters, loop variables), which the
 * extensions {@link TemplateEnvironment} registers fill.
 */
final class JinjaSourceTranslator {

    private static final Pattern RAW_BEGIN = Pattern.compile("\\{%([-+]?)\\s*raw\\s*(-?)%}");
    private static final Pattern RAW_END = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*([-+]?)%}");
    private static final char NO_MARKER = 0;

    private enum TagKind { VARIABLE, BLOCK, COMMENT }

    /**
     * A tag as read from the source.
     *
     * @param left   its whitespace marker after the opening delimiter, or {@link #NO_MARKER}
     * @param right  its whitespace marker before the closing delimiter, or {@link #NO_MARKER}
     * @param output what Jinjava gets in its place
     * @param end    the source offset just past it
     */
    private record Tag(TagKind kind, char left, char right, String output, int end) {
    }

    private final String source;

    private JinjaSourceTranslator(String source) {
        this.source = source;
    }

    /**
     * The Jinjava equivalent of a Jinja template.
     *
     * @throws ChatTemplateException if a tag, comment, raw block or string literal is not closed,
     *                               or a string literal has a malformed escape
     */
    static String translate(String template) {
        String source = template.replace("\r\n", "\n").replace('\r', '\n');
        if (source.endsWith("\n")) {
            source = source.substring(0, source.length() - 1);
        }
        return new JinjaSourceTranslator(source).translate();
    }

    private String translate() {
        StringBuilder out = new StringBuilder(source.length());
        int position = 0;
        Tag previous = null;
        while (true) {
            int open = nextTagStart(position);
            String text = source.substring(position, open < 0 ? source.length() : open);
            // Jinja's lstrip_blocks only strips a tag's indentation when the text before it starts a
            // line: at the template's start, or when the previous tag's end consumed a newline.
            boolean lineStarting = true;
            if (previous != null) {
                int consumed = consumedAfter(previous, text);
                lineStarting = consumed > 0 && text.charAt(consumed - 1) == '\n';
                text = text.substring(consumed);
            }
            if (open < 0) {
                return out.append(text).toString();
            }
            Tag tag = readTag(open);
            out.append(strippedBefore(tag.kind(), tag.left(), text, lineStarting)).append(tag.output());
            previous = tag;
            position = tag.end();
        }
    }

    private int nextTagStart(int from) {
        for (int i = from; i + 1 < source.length(); i++) {
            if (source.charAt(i) == '{' && "{%#".indexOf(source.charAt(i + 1)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    /** How much of the text after {@code tag} its end swallows: trim_blocks or a {@code -} marker. */
    private static int consumedAfter(Tag tag, String text) {
        if (tag.right() == '-') {
            return leadingSpace(text);
        }
        boolean trimsNewline = tag.kind() != TagKind.VARIABLE && tag.right() != '+';
        return trimsNewline && text.startsWith("\n") ? 1 : 0;
    }

    /** The text before a tag, less what the tag's {@code -} marker or lstrip_blocks removes. */
    private static String strippedBefore(TagKind kind, char left, String text, boolean lineStarting) {
        if (left == '-') {
            return PythonStrings.rstrip(text, null);
        }
        if (left == '+' || kind == TagKind.VARIABLE) {
            return text;
        }
        int lineStart = text.lastIndexOf('\n') + 1;
        String indentation = text.substring(lineStart);
        boolean indentationOnly = !indentation.isEmpty() && leadingSpace(indentation) == indentation.length();
        return (lineStart > 0 || lineStarting) && indentationOnly ? text.substring(0, lineStart) : text;
    }

    private static int leadingSpace(String text) {
        int n = 0;
        while (n < text.length() && PythonStrings.isSpace(text.charAt(n))) {
            n++;
        }
        return n;
    }

    private Tag readTag(int open) {
        char left = markerAt(open + 2);
        int codeStart = left == NO_MARKER ? open + 2 : open + 3;
        return switch (source.charAt(open + 1)) {
            case '#' -> readComment(open, left, codeStart);
            case '%' -> {
                Matcher raw = RAW_BEGIN.matcher(source).region(open, source.length());
                yield raw.lookingAt() ? readRaw(open, raw) : readCode(TagKind.BLOCK, open, left, codeStart);
            }
            default -> readCode(TagKind.VARIABLE, open, left, codeStart);
        };
    }

    /** The whitespace marker at {@code index}, or {@link #NO_MARKER}. */
    private char markerAt(int index) {
        return index < source.length() && (source.charAt(index) == '-' || source.charAt(index) == '+')
                ? source.charAt(index) : NO_MARKER;
    }

    private Tag readComment(int open, char left, int bodyStart) {
        int close = source.indexOf("#}", bodyStart);
        if (close < 0) {
            throw syntaxError("comment is not closed", open);
        }
        char right = close > bodyStart ? markerAt(close - 1) : NO_MARKER;
        return new Tag(TagKind.COMMENT, left, right, "", close + 2);
    }

    /** A raw block: its content is text, whitespace-controlled by the raw and endraw tags around it. */
    private Tag readRaw(int open, Matcher begin) {
        Matcher end = RAW_END.matcher(source);
        if (!end.find(begin.end())) {
            throw syntaxError("raw block is not closed", open);
        }
        String content = source.substring(begin.end(), end.start());
        // The raw tag itself has no trim_blocks newline, only its '-' marker.
        int consumed = begin.group(2).isEmpty() ? 0 : leadingSpace(content);
        boolean lineStarting = consumed > 0 && content.charAt(consumed - 1) == '\n';
        content = strippedBefore(TagKind.BLOCK, marker(end.group(1)), content.substring(consumed), lineStarting);
        return new Tag(TagKind.BLOCK, marker(begin.group(1)), marker(end.group(2)),
                "{% raw %}" + content + "{% endraw %}", end.end());
    }

    private static char marker(String group) {
        return group.isEmpty() ? NO_MARKER : group.charAt(0);
    }

    private Tag readCode(TagKind kind, int open, char left, int codeStart) {
        String close = kind == TagKind.VARIABLE ? "}}" : "%}";
        JinjaExpressionLexer lexer = new JinjaExpressionLexer(source, codeStart);
        List<Token> tokens = new ArrayList<>();
        while (!lexer.atEnd()) {
            int at = lexer.position();
            // Like Jinja, a closing delimiter only counts outside brackets (and string literals,
            // which the lexer reads whole).
            if (lexer.depth() == 0) {
                // Jinja has no '+' marker before "}}".
                char right = kind == TagKind.VARIABLE && source.charAt(at) == '+' ? NO_MARKER : markerAt(at);
                int closeAt = right == NO_MARKER ? at : at + 1;
                if (source.startsWith(close, closeAt)) {
                    String code = JinjaExpressionRewriter.rewrite(tokens);
                    String output = kind == TagKind.VARIABLE ? "{{ " + code + " }}" : "{% " + code + " %}";
                    return new Tag(kind, left, right, output, closeAt + close.length());
                }
            }
            tokens.add(lexer.next());
        }
        throw syntaxError("'" + source.substring(open, open + 2) + "' is not closed", open);
    }

    private ChatTemplateException syntaxError(String problem, int at) {
        return new ChatTemplateException("chat template syntax error at line "
                + JinjaExpressionLexer.lineOf(source, at) + ": " + problem);
    }
}
