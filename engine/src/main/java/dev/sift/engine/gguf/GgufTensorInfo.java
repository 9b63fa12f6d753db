package dev.sift.engine.gguf;

import java.util.Arrays;

/**
 * One tensor's header entry.
 *
 * @param name        tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param type        element type
 * @param shape       dimensions in ggml order: {@code shape[0]} is the row length (contiguous)
 * @param dataOffset  absolute byte offset of the first element in the file
 * @param infoOffset  byte offset of this entry in the header, for error messages
 */
public record GgufTensorInfo(String name, TensorType type, long[] shape, long dataOffset, long infoOffset) {

    public GgufTensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code i}, 1 beyond the declared dimensions (as in ggml). */
    public long dim(int i) {
        return i < shape.length ? shape[i] : 1;
    }

    /** Number of dimensions declared in the file. */
    public int dimensions() {
        return shape.length;
    }

    /** Total number of elements. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Bytes occupied in the file. */
    public long byteSize() {
        return type.bytesFor(elementCount());
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && type == t.type
                && Arrays.equals(shape, t.shape) && dataOffset == t.dataOffset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
