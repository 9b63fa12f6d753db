package dev.sift.engine.tensor;

import dev.sift.engine.gguf.GgufTensorInfo;
import dev.sift.engine.gguf.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A read-only view of tensor data in one of ggml's block formats, laid out as in the GGUF file.
 *
 * <p>Elements are addressed by their flat index in ggml order (row-major, {@code shape[0]} is the
 * row length). Ranges passed to {@link #dequantize} and {@link #dot} must start on a block boundary
 * and cover whole blocks, which any row of a matrix does. One subclass per block format decodes it;
 * the data itself stays where it is (usually the memory-mapped file).
 */
public abstract sealed class Tensor permits F32Tensor, F16Tensor, BF16Tensor, Q8_0Tensor, Q4_0Tensor, Q4_1Tensor,
        Q5_0Tensor, Q5_1Tensor, Q4_KTensor, Q5_KTensor, Q6_KTensor {

    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    protected final MemorySegment data;
    protected final long size;

    Tensor(MemorySegment data, long size) {
        this.data = data;
        this.size = size;
    }

    /**
     * A view of {@code elements} elements of {@code type} stored in {@code data}.
     *
     * @throws UnsupportedTensorTypeException if the engine cannot compute with {@code type}
     * @throws IllegalArgumentException       if {@code data} is not exactly the size the elements need
     */
    public static Tensor of(TensorType type, MemorySegment data, long elements) {
        long needed = requiredBytes(type, elements);
        if (needed < 0) {
            throw new IllegalArgumentException(elements + " elements cannot be stored as " + type + " (not a whole"
                    + " number of " + type.blockSize() + "-element blocks, or over 2^63 bytes)");
        }
        if (data.byteSize() != needed) {
            throw new IllegalArgumentException(elements + " elements of " + type + " need " + needed
                    + " bytes, got " + data.byteSize());
        }
        return switch (type) {
            case F32 -> new F32Tensor(data, elements);
            case F16 -> new F16Tensor(data, elements);
            case BF16 -> new BF16Tensor(data, elements);
            case Q8_0 -> new Q8_0Tensor(data, elements);
            case Q4_0 -> new Q4_0Tensor(data, elements);
            case Q4_1 -> new Q4_1Tensor(data, elements);
            case Q5_0 -> new Q5_0Tensor(data, elements);
            case Q5_1 -> new Q5_1Tensor(data, elements);
            case Q4_K -> new Q4_KTensor(data, elements);
            case Q5_K -> new Q5_KTensor(data, elements);
            case Q6_K -> new Q6_KTensor(data, elements);
            default -> throw new UnsupportedTensorTypeException(type, null);
        };
    }

    /** The bytes {@code elements} elements of {@code type} occupy, or -1 if no valid tensor has that many. */
    private static long requiredBytes(TensorType type, long elements) {
        if (elements < 0 || elements % type.blockSize() != 0) {
            return -1;
        }
        try {
            return type.bytesFor(elements);
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    /** A view of a tensor from a GGUF file, naming the tensor if its type is unsupported. */
    public static Tensor of(GgufTensorInfo info, MemorySegment data) {
        try {
            return of(info.type(), data, info.elementCount());
        } catch (UnsupportedTensorTypeException e) {
            throw new UnsupportedTensorTypeException(info.type(), info.name());
        }
    }

    /** The block format. */
    public abstract TensorType type();

    /** Number of elements. */
    public final long size() {
        return size;
    }

    /** One element, decoded. */
    public abstract float get(long index);

    /** Decodes {@code n} elements starting at {@code from} into {@code out[outOffset..]}. */
    public abstract void dequantize(long from, float[] out, int outOffset, int n);

    /** The dot product of elements {@code from .. from+n} with {@code x[xOffset .. xOffset+n]}. */
    public abstract float dot(long from, float[] x, int xOffset, int n);

    /**
     * {@code out[r] = row r · x[0 .. cols)} for rows {@code fromRow .. toRow} of this tensor as a
     * matrix of {@code cols} columns: a share of a matrix-vector product. Each row gives exactly what
     * {@link #dot} gives it; a format whose rows all need the same thing of {@code x} (the K-quants:
     * its sum over every sub-block) works it out once here rather than once per row.
     */
    public void matvec(float[] out, float[] x, int cols, int fromRow, int toRow) {
        for (int r = fromRow; r < toRow; r++) {
            out[r] = dot((long) r * cols, x, 0, cols);
        }
    }

    /** The bytes backing this view. */
    public final MemorySegment segment() {
        return data;
    }
}
