package dev.sift.engine.model;

import dev.sift.engine.kv.KvCache;

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

    /** Releases the cache. */
    @Override
    void close();
}
