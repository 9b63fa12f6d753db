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

    /**
     * {@link #keyDots} for {@code queries} query heads that read this KV head (grouped-query
     * attention), whose queries lie one after another from {@code queryOffset}: {@code outs[outsFrom + i][e]}
     * is entry {@code e}'s key times query {@code i}. A cache that converts its keys to compute with
     * them converts each once for the whole group; the default calls {@link #keyDots} per query.
     */
    default void keyDots(int layer, int kvHead, int entries, float[] query, int queryOffset, int queries,
                         float[][] outs, int outsFrom) {
        for (int i = 0; i < queries; i++) {
            keyDots(layer, kvHead, entries, query, queryOffset + i * headDim(), outs[outsFrom + i]);
        }
    }

    /**
     * {@link #weightedValues} for {@code count} query heads that read this KV head: head {@code i}'s
     * weights are {@code weights[weightsFrom + i]}, its output goes to {@code out[outOffset + i * headDim ..]}.
     * The default calls {@link #weightedValues} per head.
     */
    default void weightedValues(int layer, int kvHead, int entries, float[][] weights, int weightsFrom, int count,
                                float[] out, int outOffset) {
        for (int i = 0; i < count; i++) {
            weightedValues(layer, kvHead, entries, weights[weightsFrom + i], out, outOffset + i * headDim());
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
     * Drops, in every (layer, KV head), the entries at position {@code position} and after: what
     * rewinding a sequence to {@code position} leaves. Entries are held in position order, so each
     * head keeps a prefix.
     */
    default void dropFrom(int position) {
        for (int layer = 0; layer < layers(); layer++) {
            for (int head = 0; head < kvHeads(); head++) {
                int kept = 0;
                while (kept < length(layer, head) && position(layer, head, kept) < position) {
                    kept++;
                }
                int[] entries = new int[kept];
                java.util.Arrays.setAll(entries, i -> i);
                retain(layer, head, entries);
            }
        }
    }

    /**
     * Keeps the given entries of one (layer, KV head) and brings back entries dropped earlier, which a
     * two-tier cache kept elsewhere: afterwards the head holds both, in position order.
     *
     * @param entries   strictly increasing entry indices to keep, each below {@link #length}
     * @param positions positions of the entries brought back, strictly increasing, none held already
     * @param keys      their keys, {@code positions.length × headDim} floats
     * @param values    their values, likewise
     * @throws UnsupportedOperationException if this cache cannot take entries back
     */
    default void restore(int layer, int kvHead, int[] entries, int[] positions, float[] keys, float[] values) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " cannot take dropped entries back, which the sentence method's active set needs");
    }

    /**
     * Checks the argument of {@link #retain}.
     *
     * @throws IllegalArgumentException unless the entries are strictly increasing and below {@code length}
     */
    static void checkRetained(int[] entries, int length) {
        int previous = -1;
        for (int e : entries) {
            if (e <= previous || e >= length) {
                throw new IllegalArgumentException("entries to retain must be strictly increasing and below " + length
                        + ": " + java.util.Arrays.toString(entries));
            }
            previous = e;
        }
    }

    /**
     * Where each entry of a {@link #restore} comes from, in position order: {@code e >= 0} is held
     * entry {@code e}, {@code -1 - r} is restored entry {@code r}.
     *
     * @param held      positions of the entries held now
     * @throws IllegalArgumentException if the entries are not strictly increasing and held, or a
     *                                  restored position is held already or out of order
     */
    static int[] restoreOrder(int[] held, int heldLength, int[] entries, int[] restored) {
        checkRetained(entries, heldLength);
        int[] order = new int[entries.length + restored.length];
        int previous = -1;
        for (int i = 0, kept = 0, back = 0; i < order.length; i++) {
            boolean fromHeld = back == restored.length || kept < entries.length && held[entries[kept]] < restored[back];
            int position = fromHeld ? held[entries[kept]] : restored[back];
            if (position <= previous) {
                throw new IllegalArgumentException("restored position " + position + " is held already or out of order");
            }
            previous = position;
            order[i] = fromHeld ? entries[kept++] : -1 - back++;
        }
        return order;
    }

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
