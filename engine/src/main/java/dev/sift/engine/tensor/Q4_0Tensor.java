package dev.sift.engine.tensor;

import dev.sift.engine.gguf.TensorType;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * ggml's Q4_0: blocks of 32 elements, each an F16 scale {@code d} followed by 16 bytes. Byte
 * {@code j} holds element {@code j} in its low nibble and element {@code j+16} in its high nibble;
 * an element is {@code d * (nibble - 8)}.
 */
public final class Q4_0Tensor extends Tensor {

    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 18;
    /**
     * Whether a nibble becomes its float by one lane permutation from {@link #VALUES}: when the 16
     * values fit one int vector (AVX-512). It replaces a subtraction and a conversion per vector:
     * {@code dequantize} measured 217 -> 168 us per 2048 x 2048 on one core; {@code dot} is not
     * limited by those and stays within noise.
     */
    private static final boolean LOOKUP = Simd.LANES == 16;
    /** The float bits of {@code nibble - 8} for every nibble, in the lane of that nibble. */
    private static final IntVector VALUES = LOOKUP
            ? IntVector.fromArray(Simd.I, IntStream.range(0, 16).map(nibble -> Float.floatToIntBits(nibble - 8)).toArray(), 0)
            : null;

    Q4_0Tensor(MemorySegment data, long size) {
        super(data, size);
    }

    @Override
    public TensorType type() {
        return TensorType.Q4_0;
    }

    private float scale(long block) {
        return Float.float16ToFloat(data.get(F16, block * BLOCK_BYTES));
    }

    private int packed(long block, int j) {
        return Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, block * BLOCK_BYTES + 2 + j));
    }

    @Override
    public float get(long index) {
        long block = index / BLOCK;
        int j = (int) (index % BLOCK);
        int bits = packed(block, j % 16);
        int nibble = j < 16 ? bits & 0xF : bits >>> 4;
        return scale(block) * (nibble - 8);
    }

    /**
     * Per block, {@link Simd#LANES} packed bytes at a time give as many low nibbles (elements
     * {@code j..}) and high nibbles (elements {@code j + 16..}), as floats (see {@link #nibbles})
     * scaled in vector lanes.
     */
    @Override
    public void dequantize(long from, float[] out, int outOffset, int n) {
        if (!Simd.BYTE_KERNELS || Simd.LANES > 16) {
            dequantizeScalar(from, out, outOffset, n);
            return;
        }
        long base = from / BLOCK * BLOCK_BYTES;
        for (int o = outOffset, end = outOffset + n; o < end; o += BLOCK, base += BLOCK_BYTES) {
            FloatVector d = blockScale(base);
            for (int j = 0; j < 16; j += Simd.LANES) {
                IntVector bits = nibbles(base + 2 + j);
                low(bits).mul(d).intoArray(out, o + j);
                high(bits).mul(d).intoArray(out, o + 16 + j);
            }
        }
    }

    /**
     * {@link Simd#LANES} packed bytes from byte {@code at}, each in an int lane. Unpacking nibbles
     * in 32-bit lanes takes one instruction per step, where byte lanes take several (x86 has no byte
     * shift) and then still need widening to floats.
     */
    private IntVector nibbles(long at) {
        return (IntVector) ByteVector.fromMemorySegment(Simd.B, data, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, Simd.I, 0);
    }

    /** The low nibbles of {@link #nibbles}, minus 8, as floats. */
    private static FloatVector low(IntVector bits) {
        if (LOOKUP) {
            return bits.and(0xF).selectFrom(VALUES).reinterpretAsFloats();
        }
        return (FloatVector) bits.and(0xF).sub(8).convert(VectorOperators.I2F, 0);
    }

    /** The high nibbles of {@link #nibbles}, minus 8, as floats. */
    private static FloatVector high(IntVector bits) {
        if (LOOKUP) {
            return bits.lanewise(VectorOperators.LSHR, 4).selectFrom(VALUES).reinterpretAsFloats();
        }
        return (FloatVector) bits.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0);
    }

    /** The scalar reference of {@link #dequantize}. */
    void dequantizeScalar(long from, float[] out, int outOffset, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long block = from / BLOCK + b;
            float d = scale(block);
            int o = outOffset + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int bits = packed(block, j);
                out[o + j] = d * ((bits & 0xF) - 8);
                out[o + j + 16] = d * ((bits >>> 4) - 8);
            }
        }
    }

    /**
     * Per block, {@code d * sum((nibble - 8) * x)}: {@link Simd#LANES} packed bytes at a time give
     * as many low nibbles (elements {@code j..}) and high nibbles (elements {@code j + 16..}), as
     * floats in vector lanes ({@link #nibbles}). Even and odd blocks add into separate sums, so that each
     * multiply-add waits for the one two blocks back rather than the previous one.
     */
    @Override
    public float dot(long from, float[] x, int xOffset, int n) {
        if (!Simd.BYTE_KERNELS || Simd.LANES > 16) {
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

    /** {@code sum((nibble - 8) * x)} over the block at byte {@code base}, in vector lanes. */
    private FloatVector blockSum(long base, float[] x, int xi) {
        FloatVector sum = FloatVector.zero(Simd.F);
        for (int j = 0; j < 16; j += Simd.LANES) {
            IntVector bits = nibbles(base + 2 + j);
            sum = low(bits).fma(FloatVector.fromArray(Simd.F, x, xi + j), sum);
            sum = high(bits).fma(FloatVector.fromArray(Simd.F, x, xi + 16 + j), sum);
        }
        return sum;
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
            for (int j = 0; j < 16; j++) {
                int bits = packed(block, j);
                blockSum += ((bits & 0xF) - 8) * x[xi + j] + ((bits >>> 4) - 8) * x[xi + j + 16];
            }
            sum += scale(block) * blockSum;
        }
        return sum;
    }
}
