package dev.sift.engine.generation;

import dev.sift.engine.kv.KvCache;
import dev.sift.engine.model.DecoderSequence;
import dev.sift.engine.sampling.Sampler;
import dev.sift.engine.tokenizer.StreamDecoder;
import dev.sift.engine.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * One conversation with a model: its tokens, its KV cache and its position.
 *
 * <p>Each {@link #generate} call appends its prompt to what the session already holds and continues
 * from there, so a multi-turn chat reuses the cache of earlier turns. A session is used by one thread
 * at a time; {@link #cancel()} may be called from any thread.
 */
public final class Session implements AutoCloseable {

    private final LoadedModel owner;
    private final DecoderSequence sequence;
    private final Tokenizer tokenizer;
    private final int contextLength;
    /** Next-token logits from the last token evaluated. */
    private float[] logits;
    /** Tokens evaluated so far; {@code tokens[i]} sits at position {@code i}. */
    private final int[] tokens;
    private int length;
    /** The last generated token, sampled but not yet run through the model (-1: none). */
    private int pending = -1;
    private volatile boolean cancelled;
    private boolean closed;

    Session(LoadedModel owner, DecoderSequence sequence, int contextLength) {
        this.owner = owner;
        this.sequence = sequence;
        this.tokenizer = owner.tokenizer();
        this.contextLength = contextLength;
        this.tokens = new int[contextLength];
    }

    /** The most tokens this session can hold. */
    public int contextLength() {
        return contextLength;
    }

    /** Tokens held so far (prompt and generated, across calls). */
    public int length() {
        return length + (pending >= 0 ? 1 : 0);
    }

    /** The tokens held so far. */
    public int[] tokens() {
        int[] all = Arrays.copyOf(tokens, length());
        if (pending >= 0) {
            all[length] = pending;
        }
        return all;
    }

    /** The cache of this session. */
    public KvCache kvCache() {
        return sequence.kvCache();
    }

    /** The model this session runs on. */
    public LoadedModel model() {
        return owner;
    }

    /** Forgets everything, keeping the allocated cache for reuse. */
    public void reset() {
        sequence.kvCache().clear();
        length = 0;
        pending = -1;
    }

    /**
     * Stops the generation running in this session at the next token; it returns with
     * {@link FinishReason#CANCELLED}. Safe to call from any thread.
     */
    public void cancel() {
        cancelled = true;
    }

    /**
     * Feeds the prompt and generates until a stop condition, streaming text to {@code listener}.
     *
     * @throws ContextOverflowException if the prompt does not fit in the remaining context
     * @throws IllegalArgumentException if a prompt token id is outside the vocabulary, or the prompt
     *                                  is empty in an empty session
     */
    public GenerationResult generate(GenerationRequest request, GenerationListener listener) {
        ensureOpen();
        cancelled = false;
        int[] prompt = request.prompt() != null
                ? tokenizer.encode(request.prompt(), request.addSpecial(), request.parseSpecial())
                : request.promptTokens();
        for (int token : prompt) {
            if (token < 0 || token >= tokenizer.vocabularySize()) {
                throw new IllegalArgumentException("prompt token id " + token + " is outside the vocabulary (0.."
                        + (tokenizer.vocabularySize() - 1) + ")");
            }
        }
        int required = length() + prompt.length;
        if (required >= contextLength) {
            throw new ContextOverflowException(required, contextLength);
        }
        if (required == 0) {
            throw new IllegalArgumentException("the prompt is empty and the session holds no tokens to continue from");
        }

        if (pending >= 0) {
            evaluate(pending);
            pending = -1;
        }
        for (int token : prompt) {
            if (cancelled) {
                return new GenerationResult("", new int[0], FinishReason.CANCELLED, new Usage(prompt.length, 0));
            }
            evaluate(token);
        }

        Sampler sampler = new Sampler(request.sampling());
        int[] stopTokens = request.stopTokens();
        StreamDecoder decoder = new StreamDecoder(tokenizer, false);
        StopSequenceFilter filter = new StopSequenceFilter(request.stopSequences());
        StringBuilder text = new StringBuilder();
        // Text that starts the document carries the tokenizer's space prefix, which decoders drop
        // (as SentencePiece and llama2.c do): from BOS alone the story starts "Once", not " Once".
        boolean dropSpacePrefix = tokenizer.addsSpacePrefix() && onlyControlTokensSoFar();
        int limit = request.maxTokens() == 0 ? contextLength - length : Math.min(request.maxTokens(), contextLength - length);
        int[] generated = new int[limit];
        int count = 0;
        FinishReason reason = FinishReason.LENGTH;
        while (count < limit) {
            if (cancelled) {
                reason = FinishReason.CANCELLED;
                break;
            }
            if (pending >= 0) {
                evaluate(pending);
                pending = -1;
            }
            int next = sampler.sample(logits, tokens, length);
            generated[count++] = next;
            if (isStopToken(next, stopTokens)) {
                reason = FinishReason.STOP;
                break;
            }
            pending = next;
            String piece = decoder.next(next);
            if (dropSpacePrefix && !piece.isEmpty()) {
                piece = piece.startsWith(" ") ? piece.substring(1) : piece;
                dropSpacePrefix = false;
            }
            emit(filter.accept(piece), text, listener);
            if (filter.stopped()) {
                reason = FinishReason.STOP;
                break;
            }
        }
        if (!filter.stopped()) {
            emit(filter.accept(decoder.flush()), text, listener);
            emit(filter.flush(), text, listener);
        }
        return new GenerationResult(text.toString(), Arrays.copyOf(generated, count), reason,
                new Usage(prompt.length, count));
    }

    private boolean onlyControlTokensSoFar() {
        for (int i = 0; i < length; i++) {
            if (!tokenizer.isControl(tokens[i])) {
                return false;
            }
        }
        return true;
    }

    private void evaluate(int token) {
        logits = sequence.forward(token, length);
        tokens[length++] = token;
    }

    /**
     * End-of-generation tokens of the vocabulary, the request's stop tokens, and BOS: a model that
     * emits BOS has finished its document (llama2.c's stories models end that way).
     */
    private boolean isStopToken(int token, int[] stopTokens) {
        if (tokenizer.isEndOfGeneration(token) || token == tokenizer.bosId()) {
            return true;
        }
        for (int stop : stopTokens) {
            if (stop == token) {
                return true;
            }
        }
        return false;
    }

    private static void emit(String piece, StringBuilder text, GenerationListener listener) {
        if (!piece.isEmpty()) {
            text.append(piece);
            listener.onText(piece);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("session is closed");
        }
    }

    /** Releases the cache. */
    @Override
    public void close() {
        closed = true;
        sequence.close();
    }
}
