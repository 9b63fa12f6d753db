package dev.sift.engine.chat;

import dev.sift.engine.chat.JinjaExpressionLexer.Kind;
import dev.sift.engine.chat.JinjaExpressionLexer.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Rewrites the code of a Jinja tag so that Jinjava's expression parser reads it as Jinja does:
 * <ul>
 *   <li>{@code not} binds more loosely than comparisons in Jinja ({@code not x|length == 1} is
 *       {@code not (x|length == 1)}) but tightly in Jinjava, so its operand is parenthesized.</li>
 *   <li>A keyword argument's value is a whole expression in Jinja
 *       ({@code namespace(last=messages|length - 1)}), while Jinjava's {@code =} binds tighter
 *       than arithmetic, so the value of each keyword argument in a call is parenthesized.</li>
 *   <li>{@code x[::-1]}, Python's reversed copy and the only stepped slice chat templates use, is a
 *       syntax error in Jinjava; it becomes {@code (x|reverse)}.</li>
 *   <li>String literals are re-encoded: Python escapes such as {@code \u2581}, {@code \x41} or
 *       {@code \N{BULLET}}, which Jinjava's scanner rejects, become the characters they denote.</li>
 *   <li>Adjacent closing braces get a space between them, because Jinjava ends an expression at
 *       the first <code>}}</code> even inside a dict literal.</li>
 * </ul>
 */
final class JinjaExpressionRewriter {

    /** Names that end the operand of {@code not} and cannot be followed by a call or subscript. */
    private static final Set<String> KEYWORDS = Set.of("and", "or", "not", "in", "is", "if", "else");
    private static final Set<String> ENDS_NOT_OPERAND = Set.of("and", "or", "if", "else");

    private JinjaExpressionRewriter() {
    }

    /** The Jinjava text for the tokens of a tag's code. */
    static String rewrite(List<Token> tokens) {
        List<Token> code = new ArrayList<>(tokens);
        reverseSlices(code);
        parenthesizeNotOperands(code);
        parenthesizeKeywordValues(code);
        StringBuilder out = new StringBuilder();
        Token previous = null;
        for (Token token : code) {
            if (previous != null && previous.is("}") && token.is("}")) {
                out.append(' ');
            }
            out.append(token.kind() == Kind.STRING ? jinjavaLiteral(token.value()) : token.text());
            previous = token;
        }
        return out.toString().strip();
    }

    /** A string literal that Jinjava's scanner decodes to {@code value}. */
    private static String jinjavaLiteral(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('\'');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\'' -> out.append("\\'");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append(c);
            }
        }
        return out.append('\'').toString();
    }

    /** Rewrites every {@code operand[::-1]} as {@code (operand|reverse)}. */
    private static void reverseSlices(List<Token> code) {
        for (int i = 0; i < code.size(); i++) {
            int sliceEnd = reverseSliceEnd(code, i);
            int operandEnd = previousNonSpace(code, i);
            if (sliceEnd < 0 || operandEnd < 0 || !appliesTo(code.get(operandEnd))) {
                continue;
            }
            int operandStart = operandStart(code, operandEnd);
            List<Token> reversed = new ArrayList<>();
            reversed.add(new Token(Kind.OPEN, "("));
            reversed.addAll(code.subList(operandStart, operandEnd + 1));
            reversed.add(new Token(Kind.SYMBOL, "|"));
            reversed.add(new Token(Kind.NAME, "reverse"));
            reversed.add(new Token(Kind.CLOSE, ")"));
            code.subList(operandStart, sliceEnd + 1).clear();
            code.addAll(operandStart, reversed);
            i = operandStart + reversed.size() - 1;
        }
    }

    /** If the tokens from {@code start} are {@code [::-1]}, the index of its {@code ]}; else -1. */
    private static int reverseSliceEnd(List<Token> code, int start) {
        if (!code.get(start).is("[")) {
            return -1;
        }
        int i = start;
        for (String expected : List.of(":", ":", "-", "1", "]")) {
            i = nextNonSpace(code, i);
            if (i >= code.size() || !code.get(i).is(expected)) {
                return -1;
            }
        }
        return i;
    }

    /**
     * Where the postfix expression ending at {@code end} starts: a name, literal or bracketed group,
     * followed by any attribute accesses, subscripts and calls.
     */
    private static int operandStart(List<Token> code, int end) {
        int i = end;
        while (true) {
            Token token = code.get(i);
            if (token.kind() == Kind.CLOSE) {
                int open = matchingOpen(code, i);
                int before = previousNonSpace(code, open);
                if (before >= 0 && appliesTo(code.get(before))) {
                    i = before;
                    continue;
                }
                return open;
            }
            if (token.kind() == Kind.NAME) {
                int dot = previousNonSpace(code, i);
                int before = dot >= 0 && code.get(dot).is(".") ? previousNonSpace(code, dot) : -1;
                if (before >= 0) {
                    i = before;
                    continue;
                }
            }
            return i;
        }
    }

    /** Whether a bracketed group right after {@code token} is a call or subscript of it. */
    private static boolean appliesTo(Token token) {
        return token.kind() == Kind.CLOSE || token.kind() == Kind.STRING
                || token.kind() == Kind.NAME && !KEYWORDS.contains(token.text());
    }

    /** {@code not x == 1} becomes {@code not (x == 1)}; {@code not in} and {@code is not} are left alone. */
    private static void parenthesizeNotOperands(List<Token> code) {
        for (int i = 0; i < code.size(); i++) {
            if (!code.get(i).is("not")) {
                continue;
            }
            int operandStart = nextNonSpace(code, i);
            int before = previousNonSpace(code, i);
            boolean binary = operandStart < code.size() && code.get(operandStart).is("in")
                    || before >= 0 && code.get(before).is("is");
            if (!binary && operandStart < code.size()) {
                parenthesize(code, operandStart, operandEnd(code, operandStart, ENDS_NOT_OPERAND));
            }
        }
    }

    /**
     * {@code f(name=a - 1)} becomes {@code f(name=(a - 1))}. A macro's parameter defaults are left
     * alone: Jinjava reads macro signatures with a parser of its own, which takes no parentheses.
     */
    private static void parenthesizeKeywordValues(List<Token> code) {
        int first = nextNonSpace(code, -1);
        if (first < code.size() && code.get(first).is("macro")) {
            return;
        }
        List<Token> brackets = new ArrayList<>();
        for (int i = 0; i < code.size(); i++) {
            Token token = code.get(i);
            if (token.kind() == Kind.OPEN) {
                brackets.add(token);
            } else if (token.kind() == Kind.CLOSE && !brackets.isEmpty()) {
                brackets.removeLast();
            } else if (token.kind() == Kind.NAME && !brackets.isEmpty() && brackets.getLast().is("(")
                    && isKeywordArgument(code, i)) {
                int valueStart = nextNonSpace(code, nextNonSpace(code, i));
                if (valueStart < code.size()) {
                    parenthesize(code, valueStart, operandEnd(code, valueStart, Set.of()));
                }
            }
        }
    }

    /** Whether the name at {@code i} starts an argument and is followed by a single {@code =}. */
    private static boolean isKeywordArgument(List<Token> code, int i) {
        int before = previousNonSpace(code, i);
        int equals = nextNonSpace(code, i);
        return before >= 0 && (code.get(before).is("(") || code.get(before).is(","))
                && equals + 1 < code.size() && code.get(equals).is("=") && !code.get(equals + 1).is("=");
    }

    /**
     * The index just past the expression starting at {@code start}: it ends before a comma, a
     * bracket it did not open, or one of {@code endNames}, outside nested brackets.
     */
    private static int operandEnd(List<Token> code, int start, Set<String> endNames) {
        int depth = 0;
        int end = start;
        for (int i = start; i < code.size(); i++) {
            Token token = code.get(i);
            if (token.kind() == Kind.OPEN) {
                depth++;
            } else if (token.kind() == Kind.CLOSE && depth-- == 0) {
                break;
            } else if (depth == 0 && (token.is(",") || token.kind() == Kind.NAME && endNames.contains(token.text()))) {
                break;
            }
            if (token.kind() != Kind.SPACE) {
                end = i + 1;
            }
        }
        return end;
    }

    private static void parenthesize(List<Token> code, int start, int end) {
        code.add(end, new Token(Kind.CLOSE, ")"));
        code.add(start, new Token(Kind.OPEN, "("));
    }

    private static int matchingOpen(List<Token> code, int close) {
        int depth = 0;
        for (int i = close; i >= 0; i--) {
            Kind kind = code.get(i).kind();
            if (kind == Kind.CLOSE) {
                depth++;
            } else if (kind == Kind.OPEN && --depth == 0) {
                return i;
            }
        }
        return 0;
    }

    private static int nextNonSpace(List<Token> code, int after) {
        int i = after + 1;
        while (i < code.size() && code.get(i).kind() == Kind.SPACE) {
            i++;
        }
        return i;
    }

    private static int previousNonSpace(List<Token> code, int before) {
        int i = before - 1;
        while (i >= 0 && code.get(i).kind() == Kind.SPACE) {
            i--;
        }
        return i;
    }
}
