package dev.sift.engine.chat;

import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.JinjavaInterpreter.InterpreterScopeClosable;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.parse.TagToken;
import com.hubspot.jinjava.util.ForLoop;
import com.hubspot.jinjava.util.LengthLimitingStringBuilder;
import com.hubspot.jinjava.util.ObjectTruthValue;
import dev.sift.engine.chat.JinjaExpressionLexer.Kind;
import dev.sift.engine.chat.JinjaExpressionLexer.Token;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.commons.lang3.tuple.Pair;

/**
 * Jinja's {@code for} loop, in place of Jinjava's, which chat templates trip over in four ways:
 * <ul>
 *   <li>a loop filter, {@code for key, val in tool.items() if key != "return"}, is applied to each
 *       item before the loop starts, so {@code loop.last} and {@code loop.length} count kept items
 *       (Jinjava reads the condition as an inline {@code if} around the whole sequence);</li>
 *   <li>{@code loop.previtem} and {@code loop.nextitem} exist (Hermes 3 uses them);</li>
 *   <li>a mapping yields its keys;</li>
 *   <li>a loop over a variable that is undefined or none fails, as in Hugging Face's renderers
 *       (transformers passes {@code tools=None} when there are no tools; huggingface.js refuses
 *       undefined values), where Jinjava silently skips it. A loop over a missing attribute, such as
 *       {@code message.tool_calls} of a user message, runs zero times, as Jinja's undefined values
 *       do.</li>
 * </ul>
 */
final class JinjaForTag extends ForTag {

    private static final long serialVersionUID = 1L;

    @Override
    public String interpretUnchecked(TagNode tagNode, JinjavaInterpreter interpreter) {
        Pair<List<String>, String> varsAndExpression = getLoopVarsAndExpression((TagToken) tagNode.getMaster());
        List<String> loopVars = varsAndExpression.getLeft();
        List<Token> tokens = JinjaExpressionLexer.tokenize(varsAndExpression.getRight());
        int filterStart = loopFilterStart(tokens);
        List<Token> sequence = tokens.subList(0, filterStart < 0 ? tokens.size() : filterStart);
        String expression = join(sequence);
        if (expression.isBlank()) {
            throw new ChatTemplateException("for loop without a sequence: " + tagNode.getMaster().getImage());
        }
        Object value = interpreter.resolveELExpression(expression, tagNode.getLineNumber());
        if (value == null && !isVariable(sequence)) {
            return "";
        }
        List<Object> items = items(value, expression);
        if (filterStart >= 0) {
            String condition = join(tokens.subList(filterStart + 1, tokens.size()));
            items = kept(items, condition, loopVars, tagNode, interpreter);
        }
        return render(items, loopVars, tagNode, interpreter);
    }

    /** The index of the {@code if} that starts a loop filter, or -1. */
    private static int loopFilterStart(List<Token> tokens) {
        int depth = 0;
        for (int i = 0; i < tokens.size(); i++) {
            Token token = tokens.get(i);
            if (token.kind() == Kind.OPEN) {
                depth++;
            } else if (token.kind() == Kind.CLOSE) {
                depth--;
            } else if (depth == 0 && token.is("if")) {
                return i;
            }
        }
        return -1;
    }

    /** Whether an expression is just a variable's name. */
    private static boolean isVariable(List<Token> tokens) {
        List<Token> code = tokens.stream().filter(t -> t.kind() != Kind.SPACE).toList();
        return code.size() == 1 && code.getFirst().kind() == Kind.NAME;
    }

    private static String join(List<Token> tokens) {
        return tokens.stream().map(Token::text).collect(Collectors.joining());
    }

    /** The items a sequence yields; the errors word themselves as huggingface.js's do. */
    private static List<Object> items(Object sequence, String expression) {
        List<Object> items = new ArrayList<>();
        switch (sequence) {
            case null -> throw new ChatTemplateException("Expected iterable or object type in for loop: "
                    + "got UndefinedValue ('" + expression.strip() + "' is undefined or none)");
            case Map<?, ?> map -> items.addAll(map.keySet());
            case Iterable<?> iterable -> iterable.forEach(items::add);
            case Iterator<?> iterator -> iterator.forEachRemaining(items::add);
            case String s -> s.chars().forEach(c -> items.add(String.valueOf((char) c)));
            default -> {
                if (!sequence.getClass().isArray()) {
                    throw new ChatTemplateException("Expected iterable or object type in for loop: got "
                            + sequence.getClass().getSimpleName());
                }
                for (int i = 0; i < Array.getLength(sequence); i++) {
                    items.add(Array.get(sequence, i));
                }
            }
        }
        return items;
    }

    private static List<Object> kept(List<Object> items, String condition, List<String> loopVars, TagNode tagNode,
            JinjavaInterpreter interpreter) {
        List<Object> kept = new ArrayList<>();
        for (Object item : items) {
            try (InterpreterScopeClosable _ = interpreter.enterScope()) {
                bind(loopVars, interpreter.wrap(item), interpreter.getContext());
                if (ObjectTruthValue.evaluate(interpreter.resolveELExpression(condition, tagNode.getLineNumber()))) {
                    kept.add(item);
                }
            }
        }
        return kept;
    }

    private static String render(List<Object> items, List<String> loopVars, TagNode tagNode,
            JinjavaInterpreter interpreter) {
        Loop loop = new Loop(items);
        try (InterpreterScopeClosable _ = interpreter.enterScope()) {
            interpreter.getContext().put(LOOP, loop);
            LengthLimitingStringBuilder out =
                    new LengthLimitingStringBuilder(interpreter.getConfig().getMaxOutputSize());
            while (loop.hasNext()) {
                bind(loopVars, interpreter.wrap(loop.next()), interpreter.getContext());
                for (Node child : tagNode.getChildren()) {
                    out.append(child.render(interpreter));
                    if (loop.isContinued()) {
                        break;
                    }
                }
            }
            return out.toString();
        }
    }

    /** Assigns an item to the loop variables, unpacking it when there are several. */
    private static void bind(List<String> loopVars, Object item, Context context) {
        if (loopVars.size() == 1) {
            context.put(loopVars.getFirst(), item);
            return;
        }
        List<?> values = switch (item) {
            case Map.Entry<?, ?> entry -> Arrays.asList(entry.getKey(), entry.getValue());
            case List<?> list -> list;
            case Object[] array -> Arrays.asList(array);
            case null, default -> throw new ChatTemplateException("cannot unpack " + item + " into loop variables "
                    + loopVars);
        };
        if (values.size() != loopVars.size()) {
            throw new ChatTemplateException("cannot unpack " + values.size() + " values into loop variables "
                    + loopVars);
        }
        for (int i = 0; i < values.size(); i++) {
            context.put(loopVars.get(i), values.get(i));
        }
    }

    /**
     * The {@code loop} variable: Jinjava's, plus {@code previtem} and {@code nextitem}. Public, like
     * its getters, because templates read it through bean reflection.
     */
    public static final class Loop extends ForLoop {

        private final List<Object> items;

        Loop(List<Object> items) {
            super(items.iterator(), items.size());
            this.items = items;
        }

        /** The item before the current one, or null (undefined) in the first iteration. */
        public Object getPrevitem() {
            int current = getIndex0();
            return current > 0 ? items.get(current - 1) : null;
        }

        /** The item after the current one, or null (undefined) in the last iteration. */
        public Object getNextitem() {
            int next = getIndex0() + 1;
            return next < items.size() ? items.get(next) : null;
        }
    }
}
