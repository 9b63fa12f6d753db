package dev.sift.engine.model;

import dev.sift.engine.kv.KvCache;
import dev.sift.engine.kv.QueryWindow;

/**
 * One sequence being decoded: its KV cache and activations. Used by one thread at a time.
 */
public interface DecoderSequence extends AutoCloseable {

    /**
     * Runs one token through the network at {@code position}, appending its keys and values to the
     * cache.
     *
     * @return the next-token logits; the array is reused by the next call
     */
    float[] forward(int token, int position);

    /**
     * Runs {@code tokens[from .. to)} through the network at positions {@code position ..}, appending
     * their keys and values to the cache in position order (and recording their queries, if asked
     * to), as that many calls of {@link #forward(int, int)} would. A backend may evaluate them
     * together, in batches of up to {@link #batchSize()}; the default evaluates one at a time.
     *
     * @return the next-token logits after the last of the tokens; the array is reused by the next call
     * @throws IllegalArgumentException if the range is empty or outside {@code tokens}
     */
    default float[] forward(int[] tokens, int from, int to, int position) {
        if (from < 0 || to > tokens.length || from >= to) {
            throw new IllegalArgumentException("no tokens to evaluate in [" + from + ", " + to + ") of " + tokens.length);
        }
        float[] logits = null;
        for (int i = from; i < to; i++) {
            logits = forward(tokens[i], position + i - from);
        }
        return logits;
    }

    /**
     * The most tokens {@link #forward(int[], int, int, int)} evaluates in one pass: a caller that
     * checks for cancellation between passes hands over this many at a time.
     */
    default int batchSize() {
        return 1;
    }

    /** The cache of this sequence. */
    KvCache kvCache();

    /**
     * Starts recording the queries (after RoPE) of the last {@code window} tokens of every layer, for
     * KV-cache compression, and returns the buffer that {@link #forward} fills from now on. A sequence
     * already recording at least {@code window} tokens returns its buffer unchanged.
     *
     * @throws UnsupportedOperationException if the backend cannot record queries
     */
    default QueryWindow recordQueries(int window) {
        throw new UnsupportedOperationException("recording attention queries for KV-cache compression is not supported by this backend yet");
    }

    /** Releases the cache. */
    @Override
    void close();
}
