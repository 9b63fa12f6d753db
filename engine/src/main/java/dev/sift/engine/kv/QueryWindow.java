package dev.sift.engine.kv;

import java.util.Arrays;

/**
 * The queries (after RoPE) of the last {@code window} tokens a sequence evaluated, for every layer:
 * the observation window that SnapKV-style methods score the cache with. A ring buffer owned by the
 * sequence; the forward pass {@linkplain #record records} each token's queries, layer by layer.
 *
 * <p>Recording copies {@code heads × headDim} floats per layer and token; nothing is recomputed at
 * compression time.
 */
public final class QueryWindow {

    private final int heads;
    private final int headDim;
    private final int window;
    /** [layer][slot] -> heads * headDim floats. */
    private final float[][][] queries;
    private final int[][] positions;
    /** Tokens recorded per layer since the last clear; slot of token t is t % window. */
    private final long[] recorded;

    /**
     * @param layers  layers of the model
     * @param heads   query heads
     * @param headDim length of one query head
     * @param window  tokens kept per layer
     */
    public QueryWindow(int layers, int heads, int headDim, int window) {
        if (layers <= 0 || heads <= 0 || headDim <= 0 || window <= 0) {
            throw new IllegalArgumentException("query window dimensions must be positive: layers=" + layers
                    + " heads=" + heads + " headDim=" + headDim + " window=" + window);
        }
        this.heads = heads;
        this.headDim = headDim;
        this.window = window;
        this.queries = new float[layers][window][heads * headDim];
        this.positions = new int[layers][window];
        this.recorded = new long[layers];
    }

    public int layers() {
        return queries.length;
    }

    /** Query heads per token. */
    public int heads() {
        return heads;
    }

    public int headDim() {
        return headDim;
    }

    /** The most tokens kept per layer. */
    public int window() {
        return window;
    }

    /**
     * Records one token's queries for a layer, replacing the oldest once the window is full.
     *
     * @param queries {@code heads × headDim} floats, head after head, RoPE applied
     */
    public void record(int layer, int position, float[] queries) {
        record(layer, position, queries, 0);
    }

    /** Records one token's queries found at {@code queries[offset ..]} (one token of a batch). */
    public void record(int layer, int position, float[] queries, int offset) {
        int slot = (int) (recorded[layer] % window);
        System.arraycopy(queries, offset, this.queries[layer][slot], 0, heads * headDim);
        positions[layer][slot] = position;
        recorded[layer]++;
    }

    /** Tokens held for a layer: the tokens recorded since the last clear, at most {@link #window}. */
    public int size(int layer) {
        return (int) Math.min(window, recorded[layer]);
    }

    /** Position of the {@code i}-th held token of a layer, oldest first. */
    public int position(int layer, int i) {
        return positions[layer][slot(layer, i)];
    }

    /**
     * Queries of the {@code i}-th held token of a layer, oldest first: {@code heads × headDim} floats,
     * head after head. The array is the buffer's own and must not be modified.
     */
    public float[] queries(int layer, int i) {
        return queries[layer][slot(layer, i)];
    }

    private int slot(int layer, int i) {
        int size = size(layer);
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("query " + i + " of " + size + " held for layer " + layer);
        }
        return (int) ((recorded[layer] - size + i) % window);
    }

    /** Forgets every recorded token (the sequence starts over). */
    public void clear() {
        Arrays.fill(recorded, 0);
    }
}
