package dev.sift.engine.kv;

/**
 * The key/value cache of one sequence: for every layer and every <em>KV head</em> (never repeated
 * per query head), a list of entries, each a key (after RoPE), a value and the original position of
 * the token it came from.
 *
 * <p>Entries are appended in position order. Compression removes entries per (layer, KV head)
 * through {@link #retain}; the positions of the entries that stay are unchanged, so generation
 * continues at the original next position. Attention reads the cache only through
 * {@link #keyDot} and {@link #addWeightedValue}, so implementations are free to store entries in
 * any precision or layout.
 *
 * <p>Not thread-safe: a cache belongs to one session. Distinct (layer, KV head) pairs may be read
 * concurrently while nothing is being appended.
 */
public interface KvCache {

    int layers();

    int kvHeads();

    /** Length of one key (and one value) vector. */
    int headDim();

    /** The most entries one (layer, KV head) can hold. */
    int capacity();

    /** Entries currently held by one (layer, KV head). */
    int length(int layer, int kvHead);

    /** The original token position of an entry. */
    int position(int layer, int kvHead, int entry);

    /**
     * Appends one token's keys and values for every KV head of a layer.
     *
     * @param keys   {@code kvHeads * headDim} floats, head after head, RoPE already applied
     * @param values {@code kvHeads * headDim} floats, head after head
     * @throws IllegalStateException if a head is full
     */
    void append(int layer, int position, float[] keys, float[] values);

    /** The dot product of an entry's key with {@code query[queryOffset .. queryOffset+headDim]}. */
    float keyDot(int layer, int kvHead, int entry, float[] query, int queryOffset);

    /** {@code out[outOffset .. outOffset+headDim] += weight * value(entry)}. */
    void addWeightedValue(int layer, int kvHead, int entry, float weight, float[] out, int outOffset);

    /**
     * {@code out[e] = key(e) · query[queryOffset .. queryOffset+headDim]} for the first {@code entries}
     * entries of one (layer, KV head): a row of attention's {@code Q·Kᵀ}. The default calls
     * {@link #keyDot} per entry; a cache in memory the CPU reads overrides it with vector code.
     */
    default void keyDots(int layer, int kvHead, int entries, float[] query, int queryOffset, float[] out) {
        for (int e = 0; e < entries; e++) {
            out[e] = keyDot(layer, kvHead, e, query, queryOffset);
        }
    }

    /**
     * {@code out[outOffset .. outOffset+headDim] = sum(weights[e] * value(e))} over the first
     * {@code entries} entries of one (layer, KV head): a row of attention's {@code P·V}. The default
     * calls {@link #addWeightedValue} per entry.
     */
    default void weightedValues(int layer, int kvHead, int entries, float[] weights, float[] out, int outOffset) {
        java.util.Arrays.fill(out, outOffset, outOffset + headDim(), 0f);
        for (int e = 0; e < entries; e++) {
            addWeightedValue(layer, kvHead, e, weights[e], out, outOffset);
        }
    }

    /** Copies an entry's key into {@code out[outOffset..]}. */
    void readKey(int layer, int kvHead, int entry, float[] out, int outOffset);

    /** Copies an entry's value into {@code out[outOffset..]}. */
    void readValue(int layer, int kvHead, int entry, float[] out, int outOffset);

    /**
     * Keeps only the given entries of one (layer, KV head), in the given order, and drops the rest.
     * The storage of the dropped entries is released: compression must really shrink memory.
     *
     * @param entries strictly increasing entry indices, each below {@link #length}
     */
    void retain(int layer, int kvHead, int[] entries);

    /**
     * Makes room for {@code entries} more entries in every (layer, KV head), so that appending them
     * allocates nothing more (a prefill chunk, say). A hint: the default does nothing.
     */
    default void reserve(int entries) {
    }

    /** Drops every entry. */
    void clear();

    /** Bytes of key, value and position storage currently allocated. */
    long allocatedBytes();

    /**
     * Bytes of key and value storage currently allocated, positions left out. Right after
     * {@link #retain} this is exactly {@code entries held × headDim × 2 × element size}, summed over
     * every (layer, KV head); it is more while the cache holds room it has not filled yet.
     *
     * <p>The default counts the held entries in float32; implementations that allocate ahead or store
     * another precision override it with what they really hold.
     */
    default long keyValueBytes() {
        long entries = 0;
        for (int layer = 0; layer < layers(); layer++) {
            for (int head = 0; head < kvHeads(); head++) {
                entries += length(layer, head);
            }
        }
        return entries * headDim() * 2L * Float.BYTES;
    }
}
