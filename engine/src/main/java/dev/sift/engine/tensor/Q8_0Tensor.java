package dev.sift.engine.tensor;

import dev.sift.engine.gguf.TensorType;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * ggml's Q8_0: blocks of 32 elements, each an F16 scale {@code d} followed by 32 signed bytes
 * {@code q}; element {@code j} is {@code d * q[j]}.
 */
public final class Q8_0Tensor extends Tensor {

    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 34;

    Q8_0Tensor(MemorySegment data, long size) {
        super(data, size);
    }

    @Override
    public TensorType type() {
        return TensorType.Q8_0;
    }

    private float scale(long block) {
        return Float.float16ToFloat(data.get(F16, block * BLOCK_BYTES));
    }

    private byte quant(long block, int j) {
        return data.get(ValueLayout.JAVA_BYTE, block * BLOCK_BYTES + 2 + j);
    }

    @Override
    public float get(long index) {
        long block = index / BLOCK;
        return scale(block) * quant(block, (int) (index % BLOCK));
    }

    /** Per block, the quants {@link Simd#LANES} at a time widened to floats and scaled in vector lanes. */
    @Override
    public void dequantize(long from, float[] out, int outOffset, int n) {
        if (!Simd.BYTE_KERNELS) {
            dequantizeScalar(from, out, outOffset, n);
            return;
        }
        long base = from / BLOCK * BLOCK_BYTES;
        for (int o = outOffset, end = outOffset + n; o < end; o += BLOCK, base += BLOCK_BYTES) {
            FloatVector d = FloatVector.broadcast(Simd.F, Float.float16ToFloat(data.get(F16, base)));
            for (int j = 0; j < BLOCK; j += Simd.LANES) {
                ((FloatVector) ByteVector.fromMemorySegment(Simd.B, data, base + 2 + j, ByteOrder.LITTLE_ENDIAN)
                        .castShape(Simd.F, 0)).mul(d).intoArray(out, o + j);
            }
        }
    }

    /** The scalar reference of {@link #dequantize}. */
    void dequantizeScalar(long from, float[] out, int outOffset, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long block = from / BLOCK + b;
            float d = scale(block);
            for (int j = 0; j < BLOCK; j++) {
                out[outOffset + b * BLOCK + j] = d * quant(block, j);
            }
        }
    }

    /**
     * Per block, {@code d * sum(q * x)}: the 32 quants are loaded {@link Simd#LANES} at a time as
     * bytes, widened to floats and multiplied into the inputs in vector lanes. Even and odd blocks
     * add into separate sums, so that each multiply-add waits for the one two blocks back rather
     * than the previous one.
     */
    @Override
    public float dot(long from, float[] x, int xOffset, int n) {
        if (!Simd.BYTE_KERNELS) {
            return dotScalar(from, x, xOffset, n);
        }
        FloatVector even = FloatVector.zero(Simd.F);
        FloatVector odd = FloatVector.zero(Simd.F);
        long base = from / BLOCK * BLOCK_BYTES;
        int end = xOffset + n;
        int xi = xOffset;
        for (; xi + 2 * BLOCK <= end; xi += 2 * BLOCK, base += 2 * BLOCK_BYTES) {
            even = blockSum(base, x, xi).fma(blockScale(base), even);
            odd = blockSum(base + BLOCK_BYTES, x, xi + BLOCK).fma(blockScale(base + BLOCK_BYTES), odd);
        }
        if (xi < end) {
            even = blockSum(base, x, xi).fma(blockScale(base), even);
        }
        return VectorMath.sum(even.add(odd));
    }

    /** {@code sum(q * x)} over the block at byte {@code base}, in vector lanes. */
    private FloatVector blockSum(long base, float[] x, int xi) {
        FloatVector sum = quants(base + 2).mul(FloatVector.fromArray(Simd.F, x, xi));
        for (int j = Simd.LANES; j < BLOCK; j += Simd.LANES) {
            sum = quants(base + 2 + j).fma(FloatVector.fromArray(Simd.F, x, xi + j), sum);
        }
        return sum;
    }

    /** {@link Simd#LANES} quants from byte {@code at}, as floats. */
    private FloatVector quants(long at) {
        return (FloatVector) ByteVector.fromMemorySegment(Simd.B, data, at, ByteOrder.LITTLE_ENDIAN).castShape(Simd.F, 0);
    }

    private FloatVector blockScale(long base) {
        return FloatVector.broadcast(Simd.F, Float.float16ToFloat(data.get(F16, base)));
    }

    /** The scalar reference of {@link #dot}, one byte at a time. */
    float dotScalar(long from, float[] x, int xOffset, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK; b++) {
            long block = from / BLOCK + b;
            int xi = xOffset + b * BLOCK;
            float blockSum = 0f;
            for (int j = 0; j < BLOCK; j++) {
                blockSum += quant(block, j) * x[xi + j];
            }
            sum += scale(block) * blockSum;
        }
        return sum;
    }
}
