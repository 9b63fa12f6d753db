package dev.sift.engine.tensor;

import dev.sift.engine.gguf.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml's Q4_0: blocks of 32 elements, each an F16 scale {@code d} followed by 16 bytes. Byte
 * {@code j} holds element {@code j} in its low nibble and element {@code j+16} in its high nibble;
 * an element is {@code d * (nibble - 8)}.
 */
public final class Q4_0Tensor extends Tensor {

    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 18;

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

    @Override
    public void dequantize(long from, float[] out, int outOffset, int n) {
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

    @Override
    public float dot(long from, float[] x, int xOffset, int n) {
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
