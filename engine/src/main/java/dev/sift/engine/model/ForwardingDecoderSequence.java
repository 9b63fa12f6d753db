package dev.sift.engine.model;

import dev.sift.engine.kv.KvCache;
import dev.sift.engine.kv.QueryWindow;

/**
 * A {@link DecoderSequence} that hands every call to another one: extend it to observe or replace
 * some calls (timing forward passes, counting them) and keep the rest as they are.
 */
public abstract class ForwardingDecoderSequence implements DecoderSequence {

    private final DecoderSequence sequence;

    protected ForwardingDecoderSequence(DecoderSequence sequence) {
        this.sequence = sequence;
    }

    /** The sequence calls are handed to. */
    protected DecoderSequence delegate() {
        return sequence;
    }

    @Override
    public float[] forward(int token, int position) {
        return sequence.forward(token, position);
    }

    @Override
    public float[] forward(int[] tokens, int from, int to, int position) {
        return sequence.forward(tokens, from, to, position);
    }

    @Override
    public int batchSize() {
        return sequence.batchSize();
    }

    @Override
    public KvCache kvCache() {
        return sequence.kvCache();
    }

    @Override
    public QueryWindow recordQueries(int window) {
        return sequence.recordQueries(window);
    }

    @Override
    public void close() {
        sequence.close();
    }
}
