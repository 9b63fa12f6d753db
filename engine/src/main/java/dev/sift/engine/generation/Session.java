package dev.sift.engine.generation;

import dev.sift.engine.kv.CompressionMethodKind;
import dev.sift.engine.kv.CompressionOptions;
import dev.sift.engine.kv.Compressor;
import dev.sift.engine.kv.KvCache;
import dev.sift.engine.kv.KvStats;
import dev.sift.engine.kv.QueryWindow;
import dev.sift.engine.kv.SentenceCache;
import dev.sift.engine.model.DecoderSequence;
import dev.sift.engine.sampling.Sampler;
import dev.sift.engine.tokenizer.StreamDecoder;
import dev.sift.engine.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.concurrent.CancellationException;

/**
 * One conversation with a model: its tokens, its KV cache and its position.
 *
 * <p>Each {@link #generate} call appends its prompt to what the session already holds and continues
 * from there, so a multi-turn chat reuses the cache of earlier turns. A session is used by one thread
 * at a time; {@link #cancel()} may be called from any thread.
 */
public final class Session implements AutoCloseable {

    /** The most generated tokens whose cache room is reserved up front. */
    private static final int DECODE_RESERVE = 256;

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
    /** The observation window recorded for compression; {@code null} until a request compresses. */
    private QueryWindow queries;
    /** The store and sentences of the {@code sentence} method; {@code null} unless the last request used it. */
    private SentenceCache sentenceCache;
    /** The cache as the last call left it. */
    private KvStats kvStats;
    private volatile boolean cancelled;
    private boolean closed;

    Session(LoadedModel owner, DecoderSequence sequence, int contextLength) {
        this.owner = owner;
        this.sequence = sequence;
        this.tokenizer = owner.tokenizer();
        this.contextLength = contextLength;
        this.tokens = new int[contextLength];
        this.kvStats = emptyStats();
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
        if (queries != null) {
            queries.clear();
        }
        length = 0;
        pending = -1;
        sentenceCache = null;
        kvStats = emptyStats();
    }

    /**
     * Forgets every token from position {@code keep} on, so that the next prompt continues from
     * there: the cache drops its entries at those positions (entries compression kept before
     * {@code keep} stay). A chat uses this to reuse the part of the cache its re-rendered
     * conversation still shares.
     *
     * @throws IllegalArgumentException if {@code keep} is negative or beyond {@link #length()}
     */
    public void rewind(int keep) {
        ensureOpen();
        if (keep < 0 || keep > length()) {
            throw new IllegalArgumentException("cannot rewind to " + keep + ": the session holds " + length() + " tokens");
        }
        if (keep == length()) {
            return;
        }
        pending = -1;
        if (keep < length) {
            sequence.kvCache().dropFrom(keep);
            if (queries != null) {
                queries.clear();
            }
            if (sentenceCache != null) {
                sentenceCache.rewind(keep);
            }
            length = keep;
            // The logits belonged to the last token dropped; the next call must evaluate a token first.
            logits = null;
        }
        kvStats = KvStats.of(sequence.kvCache(), kvStats.method(), kvStats.budget(), length, kvStats.peakBytes());
        if (sentenceCache != null) {
            kvStats = kvStats.withStore(sentenceCache.storeBytes(), Double.NaN);
        }
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
     * <p>With compression ({@link GenerationRequest#compression()}, else the model's default), the
     * cache is compressed after the prompt (after each chunk of it with a prefill chunk) and, with a
     * decode interval, every that many generated tokens. A request with an empty prompt continues the
     * generation and compresses only on the decode interval.
     *
     * @throws ContextOverflowException if the prompt does not fit in the remaining context
     * @throws IllegalArgumentException if a prompt token id is outside the vocabulary, or the prompt
     *                                  is empty in an empty session
     */
    public GenerationResult generate(GenerationRequest request, GenerationListener listener) {
        ensureOpen();
        cancelled = false;
        int[] prompt = promptTokens(request);
        int required = length() + prompt.length;
        if (required >= contextLength) {
            throw new ContextOverflowException(required, contextLength);
        }
        if (prompt.length == 0 && pending < 0 && logits == null) {
            throw new IllegalArgumentException("the prompt is empty and the session holds no tokens to continue from");
        }

        CachePolicy policy = new CachePolicy(compressionFor(request), required);
        int reply = request.maxTokens() == 0 ? contextLength - required : Math.min(request.maxTokens(), contextLength - required);
        if (!policy.prefill(prompt, Math.min(reply, DECODE_RESERVE))) {
            return new GenerationResult("", new int[0], FinishReason.CANCELLED, new Usage(prompt.length, 0), policy.finish());
        }

        Sampler sampler = new Sampler(request.sampling());
        // The accessor copies the array; read it once, not once per generated token.
        int[] stopTokens = request.stopTokens();
        StreamDecoder decoder = new StreamDecoder(tokenizer, false);
        StopSequenceFilter filter = new StopSequenceFilter(request.stopSequences());
        StringBuilder text = new StringBuilder();
        // Text that starts the document carries the tokenizer's space prefix, which decoders drop
        // (as SentencePiece and llama2.c do): from BOS alone the story starts "Once", not " Once".
        boolean dropSpacePrefix = tokenizer.addsSpacePrefix() && onlyControlTokensSoFar();
        int limit = request.maxTokens() == 0 ? contextLength - length : Math.min(request.maxTokens(), contextLength - length);
        int[] generated = new int[limit];
        // Room for the reply, up to a bound, so that a cache compressed to its budget grows no more than it must.
        sequence.kvCache().reserve(Math.min(limit, DECODE_RESERVE));
        int count = 0;
        FinishReason reason = FinishReason.LENGTH;
        while (count < limit) {
            if (cancelled) {
                reason = FinishReason.CANCELLED;
                break;
            }
            if (pending >= 0) {
                policy.decode(pending);
                pending = -1;
            }
            int next = sampler.sample(logits, tokens, length);
            generated[count++] = next;
            if (isStopToken(next, request, stopTokens)) {
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
                new Usage(prompt.length, count), policy.finish());
    }

    /**
     * Teacher forcing: feeds the prompt as {@link #generate} does (compression included), then feeds
     * {@code continuation} token by token as if it had been generated, and returns the next-token
     * logits before each of its tokens. Row {@code i} is the model's prediction of
     * {@code continuation[i]}. The request's sampling, limits and stop conditions are not used.
     *
     * <p>Afterwards the session holds the prompt and the continuation, as after a generation that
     * produced it. An empty continuation only feeds (and compresses) the prompt.
     *
     * @return {@code continuation.length} rows of vocabulary-size logits (copies)
     * @throws ContextOverflowException if prompt and continuation do not fit in the remaining context
     * @throws IllegalArgumentException if a token id is outside the vocabulary, or there is nothing to
     *                                  predict from
     * @throws CancellationException    if {@link #cancel()} was called while the prompt was fed
     */
    public float[][] score(GenerationRequest request, int[] continuation) {
        ensureOpen();
        cancelled = false;
        int[] prompt = promptTokens(request);
        checkVocabulary(continuation, "continuation");
        int required = length() + prompt.length + continuation.length;
        if (required > contextLength) {
            throw new ContextOverflowException(required, contextLength);
        }
        if (length() + prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty and the session holds no tokens to predict from");
        }
        CachePolicy policy = new CachePolicy(compressionFor(request), length() + prompt.length);
        if (!policy.prefill(prompt, Math.min(continuation.length, DECODE_RESERVE))) {
            policy.finish();
            throw new CancellationException("cancelled while the prompt was fed");
        }
        float[][] rows = new float[continuation.length][];
        for (int i = 0; i < continuation.length; i++) {
            rows[i] = logits.clone();
            if (i + 1 < continuation.length) {
                policy.decode(continuation[i]);
            }
        }
        if (continuation.length > 0) {
            pending = continuation[continuation.length - 1];
        }
        policy.finish();
        return rows;
    }

    /** What the KV cache holds now, with the compression of the call that filled it last. */
    public KvStats kvStats() {
        return kvStats;
    }

    private KvStats emptyStats() {
        return KvStats.of(sequence.kvCache(), CompressionMethodKind.NONE, 0, 0, 0);
    }

    private int[] promptTokens(GenerationRequest request) {
        int[] prompt = request.prompt() != null
                ? tokenizer.encode(request.prompt(), request.addSpecial(), request.parseSpecial())
                : request.promptTokens();
        checkVocabulary(prompt, "prompt");
        return prompt;
    }

    private void checkVocabulary(int[] ids, String what) {
        for (int token : ids) {
            if (token < 0 || token >= tokenizer.vocabularySize()) {
                throw new IllegalArgumentException(what + " token id " + token + " is outside the vocabulary (0.."
                        + (tokenizer.vocabularySize() - 1) + ")");
            }
        }
    }

    private CompressionOptions compressionFor(GenerationRequest request) {
        return request.compression() != null ? owner.checkProfile(request.compression()) : owner.defaultCompression();
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

    /** Evaluates {@code prompt[from .. to)} in one pass of the decoder. */
    private void evaluate(int[] prompt, int from, int to) {
        logits = sequence.forward(prompt, from, to, length);
        System.arraycopy(prompt, from, tokens, length, to - from);
        length += to - from;
    }

    /**
     * End-of-generation tokens of the vocabulary and BOS (unless the request ignores them): a model
     * that emits BOS has finished its document (llama2.c's stories models end that way); and the
     * request's stop tokens.
     */
    private boolean isStopToken(int token, GenerationRequest request, int[] stopTokens) {
        if (!request.ignoreEndOfGeneration() && (tokenizer.isEndOfGeneration(token) || token == tokenizer.bosId())) {
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

    /**
     * The cache policy of one call: feeds the prompt in chunks, compresses after each chunk and every
     * {@code decodeInterval} generated tokens, keeps the {@code sentence} method's store and active
     * set, and keeps the statistics.
     */
    private final class CachePolicy {

        private final CompressionOptions options;
        /** {@code null} for the full cache and for the sentence method, which compresses its store. */
        private final Compressor compressor;
        /** Tokens each layer keeps on average; 0 for the full cache. */
        private final int budget;
        private long peakBytes;
        private int decoded;

        /** @param tokens tokens the session holds once the prompt is in (a share budget is taken of them) */
        CachePolicy(CompressionOptions options, int tokens) {
            this.options = options;
            boolean sentences = options.method() == CompressionMethodKind.SENTENCE;
            this.compressor = options.isNone() || sentences ? null : new Compressor(options, tokens);
            this.budget = options.isNone() ? 0 : options.budgetTokens(tokens);
            if (!options.isNone()) {
                queries = sequence.recordQueries(options.window());
            }
            if (!sentences) {
                sentenceCache = null;
            } else if (sentenceCache == null || !sentenceCache.settings().equals(options.sentence())) {
                KvCache cache = sequence.kvCache();
                sentenceCache = new SentenceCache(tokenizer, options.sentence(), cache, tokens(), length);
            }
            if (sentenceCache != null) {
                sentenceCache.resetReuse();
            }
        }

        /**
         * Evaluates the pending token and the prompt, {@code prefillChunk} tokens at a time, compressing
         * after each chunk (an empty prompt is not compressed). Room for a chunk is reserved before it is
         * fed, so the cache never holds more than the compressed tokens plus one chunk; the last chunk's
         * room includes {@code reply} tokens, so a full cache is not copied again for the first reply token.
         *
         * @return false if cancelled
         */
        boolean prefill(int[] prompt, int reply) {
            KvCache cache = sequence.kvCache();
            int chunk = options.prefillChunk() > 0 ? options.prefillChunk() : Math.max(1, prompt.length);
            // The token generated last and not evaluated yet leads the first chunk.
            cache.reserve(Math.min(chunk, prompt.length) + (pending >= 0 ? 1 : 0) + (chunk >= prompt.length ? reply : 0));
            if (pending >= 0) {
                evaluateAndStore(pending);
                pending = -1;
            }
            for (int start = 0; start < prompt.length; start += chunk) {
                int end = Math.min(prompt.length, start + chunk);
                if (start > 0) {
                    cache.reserve(end - start + (end == prompt.length ? reply : 0));
                }
                for (int i = start; i < end; i += sequence.batchSize()) {
                    if (cancelled) {
                        return false;
                    }
                    evaluateAndStore(prompt, i, Math.min(end, i + sequence.batchSize()));
                }
                compress();
            }
            return true;
        }

        /**
         * Evaluates a generated token; compresses every {@code decodeInterval} of them, and with the
         * sentence method chooses the active set again when a generated sentence ends (or every
         * {@code reselectInterval} tokens).
         */
        void decode(int token) {
            boolean sentenceEnded = evaluateAndStore(token);
            decoded++;
            if (options.decodeInterval() > 0 && decoded % options.decodeInterval() == 0) {
                compress();
            } else if (sentenceCache != null) {
                int interval = options.sentence().reselectInterval();
                if (sentenceEnded || interval > 0 && sentenceCache.sinceSelection() >= interval) {
                    sentenceCache.select(sequence.kvCache(), options, budget, queries, false);
                }
            }
        }

        /** @return whether the token starts a new sentence after a closed one (sentence method only) */
        private boolean evaluateAndStore(int token) {
            evaluate(token);
            return sentenceCache != null && sentenceCache.evaluated(sequence.kvCache(), token, length - 1);
        }

        /** Evaluates {@code tokens[from .. to)} in one pass, then stores them one by one (sentence method only). */
        private void evaluateAndStore(int[] tokens, int from, int to) {
            evaluate(tokens, from, to);
            if (sentenceCache != null) {
                for (int i = from; i < to; i++) {
                    sentenceCache.evaluated(sequence.kvCache(), tokens[i], length - (to - i));
                }
            }
        }

        private void compress() {
            if (options.isNone()) {
                return;
            }
            KvCache cache = sequence.kvCache();
            peakBytes = Math.max(peakBytes, cache.keyValueBytes());
            if (sentenceCache != null) {
                sentenceCache.compressStore(options, budget, queries);
                sentenceCache.select(cache, options, budget, queries, true);
            } else {
                compressor.compress(cache, queries);
            }
        }

        /** Measures the cache, and remembers it as the session's {@link #kvStats()}. */
        KvStats finish() {
            kvStats = KvStats.of(sequence.kvCache(), options.method(), budget, length, peakBytes);
            if (sentenceCache != null) {
                kvStats = kvStats.withStore(sentenceCache.storeBytes(), sentenceCache.reuse());
            }
            return kvStats;
        }
    }

    /** Releases the cache. */
    @Override
    public void close() {
        closed = true;
        sequence.close();
    }
}
