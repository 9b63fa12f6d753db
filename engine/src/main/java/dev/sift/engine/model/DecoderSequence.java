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
