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
     * bytes, widened to floats and multiplied into the inputs in vector lanes.
     */
    @Override
    public float dot(long from, float[] x, int xOffset, int n) {
        if (!Simd.BYTE_KERNELS) {
            return dotScalar(from, x, xOffset, n);
        }
        FloatVector acc = FloatVector.zero(Simd.F);
        long base = from / BLOCK * BLOCK_BYTES;
        int blocks = n / BLOCK;
        for (int b = 0; b < blocks; b++, base += BLOCK_BYTES) {
            int xi = xOffset + b * BLOCK;
            FloatVector blockSum = FloatVector.zero(Simd.F);
            for (int j = 0; j < BLOCK; j += Simd.LANES) {
                FloatVector q = (FloatVector) ByteVector.fromMemorySegment(Simd.B, data, base + 2 + j, ByteOrder.LITTLE_ENDIAN)
                        .castShape(Simd.F, 0);
                blockSum = q.fma(FloatVector.fromArray(Simd.F, x, xi + j), blockSum);
            }
            acc = blockSum.fma(FloatVector.broadcast(Simd.F, Float.float16ToFloat(data.get(F16, base))), acc);
        }
        return VectorMath.sum(acc);
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
