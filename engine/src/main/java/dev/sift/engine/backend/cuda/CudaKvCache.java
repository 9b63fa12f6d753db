package dev.sift.engine.backend.cuda;

import dev.sift.engine.kv.KvCache;
import jcuda.Pointer;

import java.util.Arrays;
import java.util.Objects;

/**
 * A {@link KvCache} whose keys and values live in device memory, where the attention kernel reads
 * them: float32, laid out {@code [layer][kvHead][entry][headDim]} with room for {@code capacity}
 * entries per (layer, KV head), allocated up front. The entry count of each (layer, KV head) is kept
 * on the device (the append kernel advances it) and mirrored on the host; the original positions
 * are needed only here, so they stay on the host.
 *
 * <p>Device memory is taken once, for the whole capacity, and does not shrink: {@link #retain}
 * frees the dropped entries' slots for later appends, which is how compression lets a sequence run
 * past {@code capacity} tokens here.
 *
 * <p>The forward pass appends on the device. The interface's methods serve inspection and
 * compression: they copy entries between host and device one call at a time, which is slow but
 * simple, and every one of them waits for the kernels queued before it.
 */
final class CudaKvCache implements KvCache {

    private static final int INITIAL_POSITIONS = 64;

    private final CudaContext context;
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final int capacity;
    private final DeviceBuffer keys;
    private final DeviceBuffer values;
    /** {@code int[layers * kvHeads]}: the kernels' view of {@link #lengths}. */
    private final DeviceBuffer deviceLengths;
    private final int[][] lengths;
    private final int[][][] positions;

    /** Allocates an empty cache in {@code context}, which must be current. */
    CudaKvCache(CudaContext context, int layers, int kvHeads, int headDim, int capacity) {
        if (layers <= 0 || kvHeads <= 0 || headDim <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("cache dimensions must be positive: layers=" + layers
                    + " kvHeads=" + kvHeads + " headDim=" + headDim + " capacity=" + capacity);
        }
        this.context = context;
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.capacity = capacity;
        long bytes = (long) layers * kvHeads * capacity * headDim * Float.BYTES;
        keys = context.allocate(bytes, "KV cache keys");
        DeviceBuffer valueBuffer = null;
        DeviceBuffer lengthBuffer = null;
        try {
            valueBuffer = context.allocate(bytes, "KV cache values");
            lengthBuffer = context.allocate((long) layers * kvHeads * Integer.BYTES, "KV cache lengths");
            lengthBuffer.fill(0, 0, (long) layers * kvHeads);
        } catch (RuntimeException e) {
            keys.free();
            if (valueBuffer != null) {
                valueBuffer.free();
            }
            if (lengthBuffer != null) {
                lengthBuffer.free();
            }
            throw e;
        }
        values = valueBuffer;
        deviceLengths = lengthBuffer;
        lengths = new int[layers][kvHeads];
        positions = new int[layers][kvHeads][0];
    }

    DeviceBuffer keys() {
        return keys;
    }

    DeviceBuffer values() {
        return values;
    }

    DeviceBuffer deviceLengths() {
        return deviceLengths;
    }

    /** The forward pass's append: the token's keys and values are already on the device. */
    void appendOnDevice(CudaKernels kernels, int layer, int position, DeviceBuffer k, DeviceBuffer v) {
        checkRoom(layer);
        kernels.kvAppend(this, layer, k, v);
        recordAppend(layer, position);
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
        Objects.checkIndex(entry, lengths[layer][kvHead]);
        return positions[layer][kvHead][entry];
    }

    @Override
    public void append(int layer, int position, float[] newKeys, float[] newValues) {
        checkRoom(layer);
        context.makeCurrent();
        long entryBytes = (long) headDim * Float.BYTES;
        for (int h = 0; h < kvHeads; h++) {
            long at = offset(layer, h, lengths[layer][h]);
            keys.write(at, Pointer.to(Arrays.copyOfRange(newKeys, h * headDim, (h + 1) * headDim)), entryBytes);
            values.write(at, Pointer.to(Arrays.copyOfRange(newValues, h * headDim, (h + 1) * headDim)), entryBytes);
        }
        recordAppend(layer, position);
        deviceLengths.write((long) layer * kvHeads * Integer.BYTES, Pointer.to(lengths[layer]),
                (long) kvHeads * Integer.BYTES);
    }

    @Override
    public float keyDot(int layer, int kvHead, int entry, float[] query, int queryOffset) {
        float[] key = new float[headDim];
        readKey(layer, kvHead, entry, key, 0);
        float sum = 0f;
        for (int i = 0; i < headDim; i++) {
            sum += key[i] * query[queryOffset + i];
        }
        return sum;
    }

    @Override
    public void addWeightedValue(int layer, int kvHead, int entry, float weight, float[] out, int outOffset) {
        float[] value = new float[headDim];
        readValue(layer, kvHead, entry, value, 0);
        for (int i = 0; i < headDim; i++) {
            out[outOffset + i] += weight * value[i];
        }
    }

    @Override
    public void readKey(int layer, int kvHead, int entry, float[] out, int outOffset) {
        readEntry(keys, layer, kvHead, entry, out, outOffset);
    }

    @Override
    public void readValue(int layer, int kvHead, int entry, float[] out, int outOffset) {
        readEntry(values, layer, kvHead, entry, out, outOffset);
    }

    /** Compacts through the host: reads the head's entries, keeps the chosen ones, writes them back. */
    @Override
    public void retain(int layer, int kvHead, int[] entries) {
        restore(layer, kvHead, entries, new int[0], new float[0], new float[0]);
    }

    /** Merges through the host: reads the head's entries, merges in the restored ones, writes them back. */
    @Override
    public void restore(int layer, int kvHead, int[] entries, int[] restored, float[] restoredKeys, float[] restoredValues) {
        int n = lengths[layer][kvHead];
        int[] order = KvCache.restoreOrder(positions[layer][kvHead], n, entries, restored);
        if (order.length > capacity) {
            throw new IllegalStateException("KV cache full: layer " + layer + " head " + kvHead + " cannot hold "
                    + order.length + " entries, capacity " + capacity);
        }
        context.makeCurrent();
        merge(keys, layer, kvHead, n, order, restoredKeys);
        merge(values, layer, kvHead, n, order, restoredValues);
        int[] merged = new int[Math.max(order.length, INITIAL_POSITIONS)];
        for (int i = 0; i < order.length; i++) {
            merged[i] = order[i] >= 0 ? positions[layer][kvHead][order[i]] : restored[-1 - order[i]];
        }
        positions[layer][kvHead] = merged;
        lengths[layer][kvHead] = order.length;
        deviceLengths.write(((long) layer * kvHeads + kvHead) * Integer.BYTES, Pointer.to(new int[] {order.length}),
                Integer.BYTES);
    }

    @Override
    public void clear() {
        for (int[] layer : lengths) {
            Arrays.fill(layer, 0);
        }
        context.makeCurrent();
        deviceLengths.fill(0, 0, (long) layers * kvHeads);
    }

    /** The device memory of keys, values and entry counts, plus the host array of positions. */
    @Override
    public long allocatedBytes() {
        long bytes = keys.bytes() + values.bytes() + deviceLengths.bytes();
        for (int[][] layer : positions) {
            for (int[] head : layer) {
                bytes += (long) head.length * Integer.BYTES;
            }
        }
        return bytes;
    }

    /** The whole preallocated key and value storage on the device. */
    @Override
    public long keyValueBytes() {
        return keys.bytes() + values.bytes();
    }

    /** Returns the device memory; the cache is unusable afterwards. */
    void free() {
        keys.free();
        values.free();
        deviceLengths.free();
    }

    private void checkRoom(int layer) {
        for (int h = 0; h < kvHeads; h++) {
            if (lengths[layer][h] == capacity) {
                throw new IllegalStateException("KV cache full: layer " + layer + " head " + h + " holds " + capacity
                        + " entries");
            }
        }
    }

    private void recordAppend(int layer, int position) {
        for (int h = 0; h < kvHeads; h++) {
            int n = lengths[layer][h];
            if (n == positions[layer][h].length) {
                positions[layer][h] = Arrays.copyOf(positions[layer][h],
                        Math.min(capacity, Math.max(INITIAL_POSITIONS, n * 2)));
            }
            positions[layer][h][n] = position;
            lengths[layer][h] = n + 1;
        }
    }

    private void readEntry(DeviceBuffer buffer, int layer, int kvHead, int entry, float[] out, int outOffset) {
        Objects.checkIndex(entry, lengths[layer][kvHead]);
        context.makeCurrent();
        float[] vector = new float[headDim];
        buffer.read(offset(layer, kvHead, entry), Pointer.to(vector), (long) headDim * Float.BYTES);
        System.arraycopy(vector, 0, out, outOffset, headDim);
    }

    private void merge(DeviceBuffer buffer, int layer, int kvHead, int n, int[] order, float[] restored) {
        if (order.length == 0) {
            return;
        }
        float[] all = new float[n * headDim];
        long start = offset(layer, kvHead, 0);
        if (n > 0) {
            buffer.read(start, Pointer.to(all), (long) all.length * Float.BYTES);
        }
        float[] merged = new float[order.length * headDim];
        for (int i = 0; i < order.length; i++) {
            if (order[i] >= 0) {
                System.arraycopy(all, order[i] * headDim, merged, i * headDim, headDim);
            } else {
                System.arraycopy(restored, (-1 - order[i]) * headDim, merged, i * headDim, headDim);
            }
        }
        buffer.write(start, Pointer.to(merged), (long) merged.length * Float.BYTES);
    }

    /** Byte offset of an entry in the key or value buffer. */
    private long offset(int layer, int kvHead, int entry) {
        return (((long) layer * kvHeads + kvHead) * capacity + entry) * headDim * Float.BYTES;
    }
}
