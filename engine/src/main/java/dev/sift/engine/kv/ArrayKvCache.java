package dev.sift.engine.kv;

import dev.sift.engine.tensor.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * A {@link KvCache} in Java arrays, one growable block per (layer, KV head), so memory is taken as
 * the sequence grows rather than for the whole context up front, and given back when compression
 * drops entries ({@link #retain} reallocates to exactly the kept entries). Keys and values are
 * stored in float32 or, at half the memory, in IEEE half precision ({@link KvPrecision}); attention
 * always computes in float32.
 */
public final class ArrayKvCache implements KvCache {

    private static final int INITIAL_ENTRIES = 64;
    private static final VectorSpecies<Float> F = VectorMath.F;
    /** Each thread's lanes of a dot product being summed. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[F.length()]);

    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final int capacity;
    private final KvPrecision precision;
    /** [layer][kvHead]: the keys and the values of its entries. */
    private final Rows[][] keys;
    private final Rows[][] values;
    private final int[][][] positions;
    private final int[][] lengths;

    /** A float32 cache. */
    public ArrayKvCache(int layers, int kvHeads, int headDim, int capacity) {
        this(layers, kvHeads, headDim, capacity, KvPrecision.F32);
    }

    public ArrayKvCache(int layers, int kvHeads, int headDim, int capacity, KvPrecision precision) {
        if (layers <= 0 || kvHeads <= 0 || headDim <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("cache dimensions must be positive: layers=" + layers
                    + " kvHeads=" + kvHeads + " headDim=" + headDim + " capacity=" + capacity);
        }
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.capacity = capacity;
        this.precision = precision;
        this.keys = new Rows[layers][kvHeads];
        this.values = new Rows[layers][kvHeads];
        this.positions = new int[layers][kvHeads][0];
        this.lengths = new int[layers][kvHeads];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                keys[l][h] = Rows.empty(precision, headDim);
                values[l][h] = Rows.empty(precision, headDim);
            }
        }
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

    /** How keys and values are stored. */
    public KvPrecision precision() {
        return precision;
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
            append(layer, h, position, newKeys, newValues, h * headDim);
        }
    }

    /**
     * Appends one entry to one (layer, KV head) only: its key and value at {@code offset} of the
     * arrays. For caches whose KV heads hold different positions, such as the sentence method's store.
     *
     * @throws IllegalStateException if the head is full
     */
    public void append(int layer, int kvHead, int position, float[] key, float[] value, int offset) {
        int n = lengths[layer][kvHead];
        if (n == capacity) {
            throw new IllegalStateException("KV cache full: layer " + layer + " head " + kvHead + " holds " + capacity + " entries");
        }
        if (n == positions[layer][kvHead].length) {
            // A quarter more, not double: a cache just compressed to its budget should not take twice that
            // again for the first generated token.
            grow(layer, kvHead, Math.min(capacity, n + Math.max(INITIAL_ENTRIES, n / 4)));
        }
        keys[layer][kvHead].write(n, key, offset);
        values[layer][kvHead].write(n, value, offset);
        positions[layer][kvHead][n] = position;
        lengths[layer][kvHead] = n + 1;
    }

    private void grow(int layer, int head, int entries) {
        keys[layer][head] = keys[layer][head].resized(entries);
        values[layer][head] = values[layer][head].resized(entries);
        positions[layer][head] = Arrays.copyOf(positions[layer][head], entries);
    }

    @Override
    public float keyDot(int layer, int kvHead, int entry, float[] query, int queryOffset) {
        return keys[layer][kvHead].dot(entry, query, queryOffset);
    }

    @Override
    public void addWeightedValue(int layer, int kvHead, int entry, float weight, float[] out, int outOffset) {
        values[layer][kvHead].addWeighted(entry, weight, out, outOffset);
    }

    /** Each entry's key against the query in vector lanes. */
    @Override
    public void keyDots(int layer, int kvHead, int entries, float[] query, int queryOffset, float[] out) {
        keys[layer][kvHead].dots(entries, query, queryOffset, out);
    }

    /** The values added up one vector of the output at a time, in vector lanes. */
    @Override
    public void weightedValues(int layer, int kvHead, int entries, float[] weights, float[] out, int outOffset) {
        values[layer][kvHead].weightedSum(entries, weights, out, outOffset);
    }

    /** Each entry's key against every query of the group, half-precision keys widened once for all. */
    @Override
    public void keyDots(int layer, int kvHead, int entries, float[] query, int queryOffset, int queries,
                        float[][] outs, int outsFrom) {
        keys[layer][kvHead].dots(entries, query, queryOffset, queries, outs, outsFrom);
    }

    /** Every head of the group's weighted values, half-precision values widened once for all. */
    @Override
    public void weightedValues(int layer, int kvHead, int entries, float[][] weights, int weightsFrom, int count,
                               float[] out, int outOffset) {
        values[layer][kvHead].weightedSum(entries, weights, weightsFrom, count, out, outOffset);
    }

    @Override
    public void readKey(int layer, int kvHead, int entry, float[] out, int outOffset) {
        keys[layer][kvHead].read(entry, out, outOffset);
    }

    @Override
    public void readValue(int layer, int kvHead, int entry, float[] out, int outOffset) {
        values[layer][kvHead].read(entry, out, outOffset);
    }

    /** Copies the kept entries into arrays of exactly their size, so the dropped ones are freed. */
    @Override
    public void retain(int layer, int kvHead, int[] entries) {
        KvCache.checkRetained(entries, lengths[layer][kvHead]);
        int[] p = new int[entries.length];
        for (int i = 0; i < entries.length; i++) {
            p[i] = positions[layer][kvHead][entries[i]];
        }
        keys[layer][kvHead] = keys[layer][kvHead].retained(entries);
        values[layer][kvHead] = values[layer][kvHead].retained(entries);
        positions[layer][kvHead] = p;
        lengths[layer][kvHead] = entries.length;
    }

    /** Merges the kept and the restored entries by position into arrays of exactly their size. */
    @Override
    public void restore(int layer, int kvHead, int[] entries, int[] restored, float[] restoredKeys, float[] restoredValues) {
        int[] held = positions[layer][kvHead];
        int[] order = KvCache.restoreOrder(held, lengths[layer][kvHead], entries, restored);
        Rows k = Rows.empty(precision, headDim).resized(order.length);
        Rows v = Rows.empty(precision, headDim).resized(order.length);
        int[] p = new int[order.length];
        float[] row = new float[headDim];
        for (int i = 0; i < order.length; i++) {
            int from = order[i];
            if (from >= 0) {
                keys[layer][kvHead].read(from, row, 0);
                k.write(i, row, 0);
                values[layer][kvHead].read(from, row, 0);
                v.write(i, row, 0);
                p[i] = held[from];
            } else {
                k.write(i, restoredKeys, (-1 - from) * headDim);
                v.write(i, restoredValues, (-1 - from) * headDim);
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
                keys[l][h] = Rows.empty(precision, headDim);
                values[l][h] = Rows.empty(precision, headDim);
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

    /** The key and value arrays as allocated, filled or not, at {@link #precision}'s element size. */
    @Override
    public long keyValueBytes() {
        long entries = 0;
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                entries += keys[l][h].entries() + values[l][h].entries();
            }
        }
        return entries * headDim * precision.bytes();
    }

    /** The keys or the values of one (layer, KV head): entries of {@code headDim} elements, one after another. */
    private sealed interface Rows permits FloatRows, HalfRows {

        static Rows empty(KvPrecision precision, int headDim) {
            return switch (precision) {
                case F32 -> new FloatRows(new float[0], headDim);
                case F16 -> new HalfRows(new short[0], headDim);
            };
        }

        /** Floats per entry. */
        int headDim();

        /** Entries there is room for. */
        int entries();

        /** A copy with room for {@code entries} entries, the first ones kept. */
        Rows resized(int entries);

        /** A copy holding exactly the given entries, in that order. */
        Rows retained(int[] entries);

        void write(int entry, float[] from, int offset);

        void read(int entry, float[] to, int offset);

        /** The entry times {@code query[queryOffset ..]}. */
        float dot(int entry, float[] query, int queryOffset);

        /** {@code out[e]} = entry {@code e} times {@code query[queryOffset ..]}, for the first {@code entries} entries. */
        void dots(int entries, float[] query, int queryOffset, float[] out);

        /** {@code out[offset ..] += weight * entry}. */
        void addWeighted(int entry, float weight, float[] out, int offset);

        /** {@code out[offset ..] = sum(weights[e] * entry e)} over the first {@code entries} entries. */
        void weightedSum(int entries, float[] weights, float[] out, int offset);

        /**
         * {@link #dots} for {@code queries} queries one after another: query {@code i}'s into
         * {@code outs[outsFrom + i]}. The default calls {@link #dots} per query.
         */
        default void dots(int entries, float[] query, int queryOffset, int queries, float[][] outs, int outsFrom) {
            for (int i = 0; i < queries; i++) {
                dots(entries, query, queryOffset + i * headDim(), outs[outsFrom + i]);
            }
        }

        /**
         * {@link #weightedSum} for {@code count} weight rows {@code weights[weightsFrom + i]}, outputs
         * one after another. The default calls {@link #weightedSum} per row.
         */
        default void weightedSum(int entries, float[][] weights, int weightsFrom, int count, float[] out, int offset) {
            for (int i = 0; i < count; i++) {
                weightedSum(entries, weights[weightsFrom + i], out, offset + i * headDim());
            }
        }
    }

    private record FloatRows(float[] data, int headDim) implements Rows {

        @Override
        public int entries() {
            return data.length / headDim;
        }

        @Override
        public Rows resized(int entries) {
            return new FloatRows(Arrays.copyOf(data, entries * headDim), headDim);
        }

        @Override
        public Rows retained(int[] entries) {
            float[] kept = new float[entries.length * headDim];
            for (int i = 0; i < entries.length; i++) {
                System.arraycopy(data, entries[i] * headDim, kept, i * headDim, headDim);
            }
            return new FloatRows(kept, headDim);
        }

        @Override
        public void write(int entry, float[] from, int offset) {
            System.arraycopy(from, offset, data, entry * headDim, headDim);
        }

        @Override
        public void read(int entry, float[] to, int offset) {
            System.arraycopy(data, entry * headDim, to, offset, headDim);
        }

        @Override
        public float dot(int entry, float[] query, int queryOffset) {
            return ArrayKvCache.dot(data, entry * headDim, query, queryOffset, headDim, LANES.get());
        }

        @Override
        public void dots(int entries, float[] query, int queryOffset, float[] out) {
            float[] lanes = LANES.get();
            for (int e = 0; e < entries; e++) {
                out[e] = ArrayKvCache.dot(data, e * headDim, query, queryOffset, headDim, lanes);
            }
        }

        @Override
        public void addWeighted(int entry, float weight, float[] out, int offset) {
            int base = entry * headDim;
            for (int i = 0; i < headDim; i++) {
                out[offset + i] += weight * data[base + i];
            }
        }

        /** One vector of the output at a time, accumulated over every entry in a register. */
        @Override
        public void weightedSum(int entries, float[] weights, float[] out, int offset) {
            int upper = F.loopBound(headDim);
            int i = 0;
            for (; i < upper; i += F.length()) {
                FloatVector acc = FloatVector.zero(F);
                for (int e = 0; e < entries; e++) {
                    acc = FloatVector.fromArray(F, data, e * headDim + i).fma(FloatVector.broadcast(F, weights[e]), acc);
                }
                acc.intoArray(out, offset + i);
            }
            for (; i < headDim; i++) {
                float sum = 0f;
                for (int e = 0; e < entries; e++) {
                    sum += weights[e] * data[e * headDim + i];
                }
                out[offset + i] = sum;
            }
        }
    }

    /**
     * Half-precision bits. Attention widens {@link #CHUNK} entries at a time to float32 in a
     * per-thread scratch ({@link VectorMath#halfToFloat}) and then computes as the float32 rows do.
     */
    private record HalfRows(short[] data, int headDim) implements Rows {

        private static final int CHUNK = 256;
        private static final ThreadLocal<float[]> WIDENED = ThreadLocal.withInitial(() -> new float[0]);

        @Override
        public int entries() {
            return data.length / headDim;
        }

        @Override
        public Rows resized(int entries) {
            return new HalfRows(Arrays.copyOf(data, entries * headDim), headDim);
        }

        @Override
        public Rows retained(int[] entries) {
            short[] kept = new short[entries.length * headDim];
            for (int i = 0; i < entries.length; i++) {
                System.arraycopy(data, entries[i] * headDim, kept, i * headDim, headDim);
            }
            return new HalfRows(kept, headDim);
        }

        @Override
        public void write(int entry, float[] from, int offset) {
            int base = entry * headDim;
            for (int i = 0; i < headDim; i++) {
                data[base + i] = Float.floatToFloat16(from[offset + i]);
            }
        }

        @Override
        public void read(int entry, float[] to, int offset) {
            widen(entry, 1, to, offset);
        }

        /** Entries {@code [from, from+count)} as float32 into {@code to[offset ..]}. */
        private void widen(int from, int count, float[] to, int offset) {
            VectorMath.halfToFloat(data, from * headDim, to, offset, count * headDim);
        }

        @Override
        public float dot(int entry, float[] query, int queryOffset) {
            float[] widened = widened();
            read(entry, widened, 0);
            return ArrayKvCache.dot(widened, 0, query, queryOffset, headDim, LANES.get());
        }

        @Override
        public void dots(int entries, float[] query, int queryOffset, float[] out) {
            dots(entries, query, queryOffset, 1, new float[][] {out}, 0);
        }

        /** Chunk by chunk widened once, then every query against the chunk's entries. */
        @Override
        public void dots(int entries, float[] query, int queryOffset, int queries, float[][] outs, int outsFrom) {
            float[] widened = widened();
            float[] lanes = LANES.get();
            for (int from = 0; from < entries; from += CHUNK) {
                int count = Math.min(CHUNK, entries - from);
                widen(from, count, widened, 0);
                for (int i = 0; i < queries; i++) {
                    float[] out = outs[outsFrom + i];
                    int q = queryOffset + i * headDim;
                    for (int e = 0; e < count; e++) {
                        out[from + e] = ArrayKvCache.dot(widened, e * headDim, query, q, headDim, lanes);
                    }
                }
            }
        }

        @Override
        public void addWeighted(int entry, float weight, float[] out, int offset) {
            int base = entry * headDim;
            for (int i = 0; i < headDim; i++) {
                out[offset + i] += weight * VectorMath.halfToFloat(data[base + i]);
            }
        }

        @Override
        public void weightedSum(int entries, float[] weights, float[] out, int offset) {
            weightedSum(entries, new float[][] {weights}, 0, 1, out, offset);
        }

        /**
         * Chunk by chunk widened once, then for every weight row one vector of its output at a time,
         * accumulated over the chunk in a register.
         */
        @Override
        public void weightedSum(int entries, float[][] weights, int weightsFrom, int count, float[] out, int offset) {
            float[] widened = widened();
            Arrays.fill(out, offset, offset + count * headDim, 0f);
            int upper = F.loopBound(headDim);
            for (int from = 0; from < entries; from += CHUNK) {
                int chunk = Math.min(CHUNK, entries - from);
                widen(from, chunk, widened, 0);
                for (int row = 0; row < count; row++) {
                    float[] w = weights[weightsFrom + row];
                    int o = offset + row * headDim;
                    int i = 0;
                    for (; i < upper; i += F.length()) {
                        FloatVector acc = FloatVector.fromArray(F, out, o + i);
                        for (int e = 0; e < chunk; e++) {
                            acc = FloatVector.fromArray(F, widened, e * headDim + i)
                                    .fma(FloatVector.broadcast(F, w[from + e]), acc);
                        }
                        acc.intoArray(out, o + i);
                    }
                    for (; i < headDim; i++) {
                        float sum = out[o + i];
                        for (int e = 0; e < chunk; e++) {
                            sum += w[from + e] * widened[e * headDim + i];
                        }
                        out[o + i] = sum;
                    }
                }
            }
        }

        private float[] widened() {
            float[] widened = WIDENED.get();
            if (widened.length < CHUNK * headDim) {
                widened = new float[CHUNK * headDim];
                WIDENED.set(widened);
            }
            return widened;
        }
    }

    /**
     * {@code a[aOffset ..] · b[bOffset ..]} over {@code n} elements, in vector lanes summed through
     * {@code lanes} (a thread's scratch, fetched once per attention row rather than once per entry).
     */
    private static float dot(float[] a, int aOffset, float[] b, int bOffset, int n, float[] lanes) {
        int upper = F.loopBound(n);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < upper; i += F.length()) {
            acc = FloatVector.fromArray(F, a, aOffset + i).fma(FloatVector.fromArray(F, b, bOffset + i), acc);
        }
        acc.intoArray(lanes, 0);
        float sum = VectorMath.fold(lanes, 0);
        for (; i < n; i++) {
            sum += a[aOffset + i] * b[bOffset + i];
        }
        return sum;
    }
}
