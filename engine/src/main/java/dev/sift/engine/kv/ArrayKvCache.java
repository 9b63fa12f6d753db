package dev.sift.engine.kv;

import dev.sift.engine.tensor.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * A {@link KvCache} in float32 Java arrays, one growable block per (layer, KV head), so memory is
 * taken as the sequence grows rather than for the whole context up front, and given back when
 * compression drops entries ({@link #retain} reallocates to exactly the kept entries).
 */
public final class ArrayKvCache implements KvCache {

    private static final int INITIAL_ENTRIES = 64;
    private static final VectorSpecies<Float> F = VectorMath.F;

    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final int capacity;
    /** [layer][kvHead] -> entries * headDim floats. */
    private final float[][][] keys;
    private final float[][][] values;
    private final int[][][] positions;
    private final int[][] lengths;

    public ArrayKvCache(int layers, int kvHeads, int headDim, int capacity) {
        if (layers <= 0 || kvHeads <= 0 || headDim <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("cache dimensions must be positive: layers=" + layers
                    + " kvHeads=" + kvHeads + " headDim=" + headDim + " capacity=" + capacity);
        }
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.capacity = capacity;
        this.keys = new float[layers][kvHeads][0];
        this.values = new float[layers][kvHeads][0];
        this.positions = new int[layers][kvHeads][0];
        this.lengths = new int[layers][kvHeads];
    }

    @Override
    public int layers() {
        return layers;
    }

    @Override
    public int kvHeads() {
        return kvHeads;
    }

    @Override
    public int headDim() {
        return headDim;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public int length(int layer, int kvHead) {
        return lengths[layer][kvHead];
    }

    @Override
    public int position(int layer, int kvHead, int entry) {
        return positions[layer][kvHead][entry];
    }

    @Override
    public void append(int layer, int position, float[] newKeys, float[] newValues) {
        for (int h = 0; h < kvHeads; h++) {
            int n = lengths[layer][h];
            if (n == capacity) {
                throw new IllegalStateException("KV cache full: layer " + layer + " head " + h + " holds " + capacity + " entries");
            }
            if (n == positions[layer][h].length) {
                grow(layer, h, Math.min(capacity, Math.max(INITIAL_ENTRIES, n * 2)));
            }
            System.arraycopy(newKeys, h * headDim, keys[layer][h], n * headDim, headDim);
            System.arraycopy(newValues, h * headDim, values[layer][h], n * headDim, headDim);
            positions[layer][h][n] = position;
            lengths[layer][h] = n + 1;
        }
    }

    private void grow(int layer, int head, int entries) {
        keys[layer][head] = Arrays.copyOf(keys[layer][head], entries * headDim);
        values[layer][head] = Arrays.copyOf(values[layer][head], entries * headDim);
        positions[layer][head] = Arrays.copyOf(positions[layer][head], entries);
    }

    @Override
    public float keyDot(int layer, int kvHead, int entry, float[] query, int queryOffset) {
        float[] k = keys[layer][kvHead];
        int base = entry * headDim;
        float sum = 0f;
        for (int i = 0; i < headDim; i++) {
            sum += k[base + i] * query[queryOffset + i];
        }
        return sum;
    }

    @Override
    public void addWeightedValue(int layer, int kvHead, int entry, float weight, float[] out, int outOffset) {
        float[] v = values[layer][kvHead];
        int base = entry * headDim;
        for (int i = 0; i < headDim; i++) {
            out[outOffset + i] += weight * v[base + i];
        }
    }

    /** Each entry's key against the query in vector lanes, summed once per entry. */
    @Override
    public void keyDots(int layer, int kvHead, int entries, float[] query, int queryOffset, float[] out) {
        float[] k = keys[layer][kvHead];
        int upper = F.loopBound(headDim);
        for (int e = 0; e < entries; e++) {
            int base = e * headDim;
            FloatVector acc = FloatVector.zero(F);
            int i = 0;
            for (; i < upper; i += F.length()) {
                acc = FloatVector.fromArray(F, k, base + i).fma(FloatVector.fromArray(F, query, queryOffset + i), acc);
            }
            float sum = VectorMath.sum(acc);
            for (; i < headDim; i++) {
                sum += k[base + i] * query[queryOffset + i];
            }
            out[e] = sum;
        }
    }

    /** One vector of the output at a time, accumulated over every entry in a register. */
    @Override
    public void weightedValues(int layer, int kvHead, int entries, float[] weights, float[] out, int outOffset) {
        float[] v = values[layer][kvHead];
        int upper = F.loopBound(headDim);
        int i = 0;
        for (; i < upper; i += F.length()) {
            FloatVector acc = FloatVector.zero(F);
            for (int e = 0; e < entries; e++) {
                acc = FloatVector.fromArray(F, v, e * headDim + i).fma(FloatVector.broadcast(F, weights[e]), acc);
            }
            acc.intoArray(out, outOffset + i);
        }
        for (; i < headDim; i++) {
            float sum = 0f;
            for (int e = 0; e < entries; e++) {
                sum += weights[e] * v[e * headDim + i];
            }
            out[outOffset + i] = sum;
        }
    }

    @Override
    public void readKey(int layer, int kvHead, int entry, float[] out, int outOffset) {
        System.arraycopy(keys[layer][kvHead], entry * headDim, out, outOffset, headDim);
    }

    @Override
    public void readValue(int layer, int kvHead, int entry, float[] out, int outOffset) {
        System.arraycopy(values[layer][kvHead], entry * headDim, out, outOffset, headDim);
    }

    /** Copies the kept entries into arrays of exactly their size, so the dropped ones are freed. */
    @Override
    public void retain(int layer, int kvHead, int[] entries) {
        restore(layer, kvHead, entries, new int[0], new float[0], new float[0]);
    }

    /** Merges the kept and the restored entries by position into arrays of exactly their size. */
    @Override
    public void restore(int layer, int kvHead, int[] entries, int[] restored, float[] restoredKeys, float[] restoredValues) {
        int[] held = positions[layer][kvHead];
        int[] order = KvCache.restoreOrder(held, lengths[layer][kvHead], entries, restored);
        float[] k = new float[order.length * headDim];
        float[] v = new float[order.length * headDim];
        int[] p = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            int from = order[i];
            if (from >= 0) {
                System.arraycopy(keys[layer][kvHead], from * headDim, k, i * headDim, headDim);
                System.arraycopy(values[layer][kvHead], from * headDim, v, i * headDim, headDim);
                p[i] = held[from];
            } else {
                System.arraycopy(restoredKeys, (-1 - from) * headDim, k, i * headDim, headDim);
                System.arraycopy(restoredValues, (-1 - from) * headDim, v, i * headDim, headDim);
                p[i] = restored[-1 - from];
            }
        }
        keys[layer][kvHead] = k;
        values[layer][kvHead] = v;
        positions[layer][kvHead] = p;
        lengths[layer][kvHead] = order.length;
    }

    @Override
    public void reserve(int entries) {
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                int needed = (int) Math.min(capacity, (long) lengths[l][h] + entries);
                if (needed > positions[l][h].length) {
                    grow(l, h, needed);
                }
            }
        }
    }

    @Override
    public void clear() {
        for (int[] layer : lengths) {
            Arrays.fill(layer, 0);
        }
    }

    /**
     * Drops every entry and gives back its storage, so that a closed sequence holds no cache memory
     * even while something still refers to it ({@link #clear} keeps the storage for reuse).
     */
    public void release() {
        clear();
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                keys[l][h] = new float[0];
                values[l][h] = new float[0];
                positions[l][h] = new int[0];
            }
        }
    }

    @Override
    public long allocatedBytes() {
        long bytes = keyValueBytes();
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                bytes += (long) Integer.BYTES * positions[l][h].length;
            }
        }
        return bytes;
    }

    /** The float32 key and value arrays as allocated, filled or not. */
    @Override
    public long keyValueBytes() {
        long floats = 0;
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                floats += keys[l][h].length + values[l][h].length;
            }
        }
        return floats * Float.BYTES;
    }
}
