package dev.sift.engine.kv;

import java.util.Arrays;

/**
 * A {@link KvCache} holding keys and values as IEEE half-precision floats: half the memory of
 * float32, for entries that are read rarely, such as the store of the {@code sentence} method, from
 * which only the sentences chosen for attention are copied out. Grows with use and shrinks on
 * {@link #retain}, as {@link ArrayKvCache}.
 */
public final class Float16KvCache implements KvCache {

    private static final int INITIAL_ENTRIES = 64;

    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final int capacity;
    /** [layer][kvHead] -> entries * headDim half floats. */
    private final short[][][] keys;
    private final short[][][] values;
    private final int[][][] positions;
    private final int[][] lengths;

    public Float16KvCache(int layers, int kvHeads, int headDim, int capacity) {
        if (layers <= 0 || kvHeads <= 0 || headDim <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("cache dimensions must be positive: layers=" + layers
                    + " kvHeads=" + kvHeads + " headDim=" + headDim + " capacity=" + capacity);
        }
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.capacity = capacity;
        this.keys = new short[layers][kvHeads][0];
        this.values = new short[layers][kvHeads][0];
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
            appendEntry(layer, h, position, newKeys, newValues, h * headDim);
        }
    }

    /**
     * Appends one entry to one (layer, KV head): a key and a value at {@code offset} of the arrays.
     *
     * @throws IllegalStateException if the head is full
     */
    public void appendEntry(int layer, int kvHead, int position, float[] key, float[] value, int offset) {
        int n = lengths[layer][kvHead];
        if (n == capacity) {
            throw new IllegalStateException("KV cache full: layer " + layer + " head " + kvHead + " holds " + capacity + " entries");
        }
        if (n == positions[layer][kvHead].length) {
            int entries = Math.min(capacity, Math.max(INITIAL_ENTRIES, n * 2));
            keys[layer][kvHead] = Arrays.copyOf(keys[layer][kvHead], entries * headDim);
            values[layer][kvHead] = Arrays.copyOf(values[layer][kvHead], entries * headDim);
            positions[layer][kvHead] = Arrays.copyOf(positions[layer][kvHead], entries);
        }
        short[] k = keys[layer][kvHead];
        short[] v = values[layer][kvHead];
        int base = n * headDim;
        for (int i = 0; i < headDim; i++) {
            k[base + i] = Float.floatToFloat16(key[offset + i]);
            v[base + i] = Float.floatToFloat16(value[offset + i]);
        }
        positions[layer][kvHead][n] = position;
        lengths[layer][kvHead] = n + 1;
    }

    @Override
    public float keyDot(int layer, int kvHead, int entry, float[] query, int queryOffset) {
        short[] k = keys[layer][kvHead];
        int base = entry * headDim;
        float sum = 0f;
        for (int i = 0; i < headDim; i++) {
            sum += Float.float16ToFloat(k[base + i]) * query[queryOffset + i];
        }
        return sum;
    }

    @Override
    public void addWeightedValue(int layer, int kvHead, int entry, float weight, float[] out, int outOffset) {
        short[] v = values[layer][kvHead];
        int base = entry * headDim;
        for (int i = 0; i < headDim; i++) {
            out[outOffset + i] += weight * Float.float16ToFloat(v[base + i]);
        }
    }

    @Override
    public void readKey(int layer, int kvHead, int entry, float[] out, int outOffset) {
        read(keys[layer][kvHead], entry, out, outOffset);
    }

    @Override
    public void readValue(int layer, int kvHead, int entry, float[] out, int outOffset) {
        read(values[layer][kvHead], entry, out, outOffset);
    }

    private void read(short[] halves, int entry, float[] out, int outOffset) {
        int base = entry * headDim;
        for (int i = 0; i < headDim; i++) {
            out[outOffset + i] = Float.float16ToFloat(halves[base + i]);
        }
    }

    /** Copies the kept entries into arrays of exactly their size, so the dropped ones are freed. */
    @Override
    public void retain(int layer, int kvHead, int[] entries) {
        KvCache.checkRetained(entries, lengths[layer][kvHead]);
        short[] k = new short[entries.length * headDim];
        short[] v = new short[entries.length * headDim];
        int[] p = new int[entries.length];
        for (int i = 0; i < entries.length; i++) {
            int from = entries[i];
            System.arraycopy(keys[layer][kvHead], from * headDim, k, i * headDim, headDim);
            System.arraycopy(values[layer][kvHead], from * headDim, v, i * headDim, headDim);
            p[i] = positions[layer][kvHead][from];
        }
        keys[layer][kvHead] = k;
        values[layer][kvHead] = v;
        positions[layer][kvHead] = p;
        lengths[layer][kvHead] = entries.length;
    }

    @Override
    public void clear() {
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                keys[l][h] = new short[0];
                values[l][h] = new short[0];
                positions[l][h] = new int[0];
                lengths[l][h] = 0;
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

    /** The half-precision key and value arrays as allocated, filled or not. */
    @Override
    public long keyValueBytes() {
        long halves = 0;
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                halves += keys[l][h].length + values[l][h].length;
            }
        }
        return halves * Short.BYTES;
    }
}
