package dev.sift.engine.chat;

import dev.sift.engine.generation.GenerationListener;
import dev.sift.engine.generation.GenerationRequest;
import dev.sift.engine.generation.GenerationResult;
import dev.sift.engine.generation.LoadedModel;
import dev.sift.engine.generation.Session;
import dev.sift.engine.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A chat with a model: each turn renders the whole conversation with the model's chat template and
 * generates the assistant's reply, stopping at the template's end-of-turn token.
 *
 * <p>The KV cache of the previous turn is reused: the session is rewound to the longest prefix the
 * new prompt shares with the tokens it holds, and only the rest is run through the model. (The
 * re-rendered reply rarely matches the generated tokens exactly — templates trim the text and
 * tokenizers split it differently — so most turns reuse everything up to the previous reply.)
 * Used by one thread at a time.
 */
public final class Conversation implements AutoCloseable {

    private final LoadedModel model;
    private final ChatTemplate template;
    private final Session session;

    /** A conversation using the model file's own chat template and the model's default context. */
    public Conversation(LoadedModel model) {
        this(model, ChatTemplate.fromGguf(model.file()), model.newSession());
    }

    public Conversation(LoadedModel model, ChatTemplate template, Session session) {
        this.model = model;
        this.template = template;
        this.session = session;
    }

    /**
     * The assistant's reply.
     *
     * @param messages the conversation so far, ending with the message to answer
     * @param tools    function definitions in OpenAI's shape, rendered into the prompt when the
     *                 template supports tools; empty for none
     * @param settings sampling, limits, stop sequences and compression; its prompt is ignored
     * @param listener receives the reply's text as it is generated (tool-call markup included)
     * @throws IllegalArgumentException if there are no messages, or the rendered prompt is empty
     * @throws dev.sift.engine.generation.ContextOverflowException if the rendered conversation does not
     *                                  fit in the session's context (naming both token counts)
     */
    public ChatReply reply(List<ChatMessage> messages, List<Map<String, Object>> tools, GenerationRequest settings,
                           GenerationListener listener) {
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("a chat request needs at least one message; the message list is empty");
        }
        int[] prompt = promptTokens(template.render(messages, true, tools, Map.of()));
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the chat template rendered the " + messages.size()
                    + " message(s) as an empty prompt");
        }
        int[] held = session.tokens();
        // Keep the cache of what the new prompt shares with the old one; at least one token must be
        // read anew so that the reply starts from fresh logits.
        int common = Math.min(commonPrefix(held, prompt), prompt.length - 1);
        session.rewind(common);
        GenerationRequest request = GenerationRequest.tokens(Arrays.copyOfRange(prompt, common, prompt.length))
                .withMaxTokens(settings.maxTokens())
                .withStopSequences(settings.stopSequences())
                .withStopTokens(settings.stopTokens())
                .withSampling(settings.sampling())
                .withIgnoreEndOfGeneration(settings.ignoreEndOfGeneration())
                .withCompression(settings.compression());
        GenerationResult result = session.generate(request, listener);
        ToolCallParser.ParsedReply parsed = tools.isEmpty()
                ? new ToolCallParser.ParsedReply(result.text().strip(), List.of())
                : ToolCallParser.parse(result.text());
        return new ChatReply(parsed.content(), parsed.toolCalls(), result, prompt.length, common);
    }

    /** Tokens of a rendered prompt: special-token text parsed, BOS added unless the template wrote it. */
    private int[] promptTokens(String rendered) {
        Tokenizer tokenizer = model.tokenizer();
        int[] tokens = tokenizer.encode(rendered, false, true);
        if (tokenizer.addsBos() && (tokens.length == 0 || tokens[0] != tokenizer.bosId())) {
            int[] withBos = new int[tokens.length + 1];
            withBos[0] = tokenizer.bosId();
            System.arraycopy(tokens, 0, withBos, 1, tokens.length);
            return withBos;
        }
        return tokens;
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    /** Cancels the reply being generated; safe from any thread. */
    public void cancel() {
        session.cancel();
    }

    /** The session holding this conversation's cache. */
    public Session session() {
        return session;
    }

    @Override
    public void close() {
        session.close();
    }

    /**
     * One reply.
     *
     * @param content      the reply text outside tool calls
     * @param toolCalls    functions the model asks to call (never executed by the engine)
     * @param result       the underlying generation: finish reason, usage, KV statistics
     * @param promptTokens tokens of the rendered conversation
     * @param reusedTokens of those, tokens whose KV cache was reused from the previous turn
     */
    public record ChatReply(String content, List<ToolCall> toolCalls, GenerationResult result, int promptTokens,
                            int reusedTokens) {
    }
}
