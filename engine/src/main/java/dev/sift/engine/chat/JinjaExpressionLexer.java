package dev.sift.engine.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits the code of a Jinja tag into tokens, as far as translating a template for Jinjava needs:
 * string literals (decoded by Python's escape rules, as Jinja decodes them), names, numbers,
 * brackets (tracking how deeply they nest), other symbols, and runs of whitespace.
 */
final class JinjaExpressionLexer {

    enum Kind { SPACE, STRING, NAME, NUMBER, OPEN, CLOSE, SYMBOL }

    /**
     * A token.
     *
     * @param text  its source text
     * @param value for a string literal, the string it denotes; otherwise the text
     */
    record Token(Kind kind, String text, String value) {

        Token(Kind kind, String text) {
            this(kind, text, text);
        }

        /** Whether this is the name or symbol {@code text} (never true for a string literal). */
        boolean is(String text) {
            return kind != Kind.STRING && this.text.equals(text);
        }
    }

    private final String source;
    private int position;
    private int depth;

    /** A lexer reading {@code source} from {@code start}. */
    JinjaExpressionLexer(String source, int start) {
        this.source = source;
        this.position = start;
    }

    /** All tokens of {@code expression}. */
    static List<Token> tokenize(String expression) {
        JinjaExpressionLexer lexer = new JinjaExpressionLexer(expression, 0);
        List<Token> tokens = new ArrayList<>();
        while (!lexer.atEnd()) {
            tokens.add(lexer.next());
        }
        return tokens;
    }

    int position() {
        return position;
    }

    /** How many brackets are open at the current position. */
    int depth() {
        return depth;
    }

    boolean atEnd() {
        return position >= source.length();
    }

    Token next() {
        int start = position;
        char c = source.charAt(position);
        if (PythonStrings.isSpace(c)) {
            while (position < source.length() && PythonStrings.isSpace(source.charAt(position))) {
                position++;
            }
            return new Token(Kind.SPACE, source.substring(start, position));
        }
        if (c == '\'' || c == '"') {
            return string();
        }
        if (Character.isLetter(c) || c == '_') {
            while (position < source.length()
                    && (Character.isLetterOrDigit(source.charAt(position)) || source.charAt(position) == '_')) {
                position++;
            }
            return new Token(Kind.NAME, source.substring(start, position));
        }
        if (Character.isDigit(c)) {
            return number();
        }
        position++;
        if ("([{".indexOf(c) >= 0) {
            depth++;
            return new Token(Kind.OPEN, String.valueOf(c));
        }
        if (")]}".indexOf(c) >= 0) {
            depth = Math.max(0, depth - 1);
            return new Token(Kind.CLOSE, String.valueOf(c));
        }
        return new Token(Kind.SYMBOL, String.valueOf(c));
    }

    private Token number() {
        int start = position;
        skipDigits();
        // A '.' belongs to the number only when digits follow: in "items[0].role" it is an attribute access.
        if (position + 1 < source.length() && source.charAt(position) == '.'
                && Character.isDigit(source.charAt(position + 1))) {
            position++;
            skipDigits();
        }
        if (position < source.length() && (source.charAt(position) == 'e' || source.charAt(position) == 'E')) {
            int mark = position++;
            if (position < source.length() && (source.charAt(position) == '+' || source.charAt(position) == '-')) {
                position++;
            }
            if (position < source.length() && Character.isDigit(source.charAt(position))) {
                skipDigits();
            } else {
                position = mark;
            }
        }
        return new Token(Kind.NUMBER, source.substring(start, position));
    }

    private void skipDigits() {
        while (position < source.length()
                && (Character.isDigit(source.charAt(position)) || source.charAt(position) == '_')) {
            position++;
        }
    }

    private Token string() {
        int start = position;
        char quote = source.charAt(position++);
        StringBuilder value = new StringBuilder();
        while (true) {
            if (position >= source.length()) {
                throw error("unterminated string literal", start);
            }
            char c = source.charAt(position++);
            if (c == quote) {
                return new Token(Kind.STRING, source.substring(start, position), value.toString());
            }
            if (c != '\\') {
                value.append(c);
            } else if (position >= source.length()) {
                throw error("unterminated string literal", start);
            } else {
                escape(value);
            }
        }
    }

    /** Decodes the escape after a backslash the way Python's {@code unicode-escape} codec does. */
    private void escape(StringBuilder value) {
        int start = position - 1;
        char c = source.charAt(position++);
        switch (c) {
            case '\n' -> { } // a backslash at the end of a line joins it to the next
            case '\\', '\'', '"' -> value.append(c);
            case 'a' -> value.append('\u0007');
            case 'b' -> value.append('\b');
            case 'f' -> value.append('\f');
            case 'n' -> value.append('\n');
            case 'r' -> value.append('\r');
            case 't' -> value.append('\t');
            case 'v' -> value.append('\u000b');
            case 'x' -> value.appendCodePoint(hex(2, start));
            case 'u' -> value.appendCodePoint(hex(4, start));
            case 'U' -> value.appendCodePoint(hex(8, start));
            case 'N' -> value.appendCodePoint(namedCharacter(start));
            default -> {
                if (c >= '0' && c <= '7') {
                    int code = c - '0';
                    for (int i = 0; i < 2 && position < source.length()
                            && source.charAt(position) >= '0' && source.charAt(position) <= '7'; i++) {
                        code = code * 8 + source.charAt(position++) - '0';
                    }
                    value.append((char) code);
                } else {
                    // Python keeps unknown escapes such as "\d" as they are.
                    value.append('\\').append(c);
                }
            }
        }
    }

    private int hex(int digits, int escapeStart) {
        char kind = source.charAt(position - 1);
        long code = 0;
        for (int i = 0; i < digits; i++) {
            int digit = position < source.length() ? Character.digit(source.charAt(position), 16) : -1;
            if (digit < 0) {
                throw error("truncated \\" + kind + " escape", escapeStart);
            }
            code = code * 16 + digit;
            position++;
        }
        if (code > Character.MAX_CODE_POINT) {
            throw error("\\" + kind + " escape names no Unicode character", escapeStart);
        }
        return (int) code;
    }

    private int namedCharacter(int escapeStart) {
        int close = source.indexOf('}', position);
        if (position >= source.length() || source.charAt(position) != '{' || close < 0) {
            throw error("malformed \\N{...} escape", escapeStart);
        }
        String name = source.substring(position + 1, close);
        position = close + 1;
        try {
            return Character.codePointOf(name);
        } catch (IllegalArgumentException e) {
            throw error("unknown Unicode character name '" + name + "'", escapeStart);
        }
    }

    private ChatTemplateException error(String problem, int at) {
        return new ChatTemplateException("chat template syntax error at line " + lineOf(source, at) + ": " + problem);
    }

    /** The 1-based line of {@code offset} in {@code text}. */
    static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }
}
