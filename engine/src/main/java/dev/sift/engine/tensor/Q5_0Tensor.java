package dev.sift.engine.tensor;

import dev.sift.engine.gguf.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * ggml's Q5_0: blocks of 32 elements, each an F16 scale {@code d}, a little-endian 32-bit word
 * {@code qh} whose bit {@code j} is the fifth bit of element {@code j}, and 16 bytes of low nibbles
 * (byte {@code j}: element {@code j} low, element {@code j+16} high). An element is
 * {@code d * (q - 16)} for its 5-bit {@code q}.
 */
public final class Q5_0Tensor extends Tensor {

    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 22;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    Q5_0Tensor(MemorySegment data, long size) {
        super(data, size);
    }

    @Override
    public TensorType type() {
        return TensorType.Q5_0;
    }

    private float scale(long block) {
        return Float.float16ToFloat(data.get(F16, block * BLOCK_BYTES));
    }

    private int fifthBits(long block) {
        return data.get(U32, block * BLOCK_BYTES + 2);
    }

    private int packed(long block, int j) {
        return Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, block * BLOCK_BYTES + 6 + j));
    }

    @Override
    public float get(long index) {
        long block = index / BLOCK;
        int j = (int) (index % BLOCK);
        int bits = packed(block, j % 16);
        int nibble = j < 16 ? bits & 0xF : bits >>> 4;
        int q = nibble | ((fifthBits(block) >>> j) & 1) << 4;
        return (q - 16) * scale(block);
    }

    @Override
    public void dequantize(long from, float[] out, int outOffset, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long block = from / BLOCK + b;
            float d = scale(block);
            int qh = fifthBits(block);
            int o = outOffset + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int bits = packed(block, j);
                out[o + j] = (((bits & 0xF) | ((qh >>> j) & 1) << 4) - 16) * d;
                out[o + j + 16] = (((bits >>> 4) | ((qh >>> (j + 16)) & 1) << 4) - 16) * d;
            }
        }
    }

    @Override
    public float dot(long from, float[] x, int xOffset, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK; b++) {
            long block = from / BLOCK + b;
            int qh = fifthBits(block);
            int xi = xOffset + b * BLOCK;
            float blockSum = 0f;
            for (int j = 0; j < 16; j++) {
                int bits = packed(block, j);
                int low = ((bits & 0xF) | ((qh >>> j) & 1) << 4) - 16;
                int high = ((bits >>> 4) | ((qh >>> (j + 16)) & 1) << 4) - 16;
                blockSum += low * x[xi + j] + high * x[xi + j + 16];
            }
            sum += scale(block) * blockSum;
        }
        return sum;
    }
}
