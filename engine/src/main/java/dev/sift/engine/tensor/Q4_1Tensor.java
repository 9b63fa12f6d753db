package dev.sift.engine.tensor;

import dev.sift.engine.gguf.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml's Q4_1: blocks of 32 elements, each an F16 scale {@code d} and an F16 minimum {@code m}
 * followed by 16 bytes. Byte {@code j} holds element {@code j} in its low nibble and element
 * {@code j+16} in its high nibble; an element is {@code nibble * d + m}.
 */
public final class Q4_1Tensor extends Tensor {

    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 20;

    Q4_1Tensor(MemorySegment data, long size) {
        super(data, size);
    }

    @Override
    public TensorType type() {
        return TensorType.Q4_1;
    }

    private float scale(long block) {
        return Float.float16ToFloat(data.get(F16, block * BLOCK_BYTES));
    }

    private float min(long block) {
        return Float.float16ToFloat(data.get(F16, block * BLOCK_BYTES + 2));
    }

    private int packed(long block, int j) {
        return Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, block * BLOCK_BYTES + 4 + j));
    }

    @Override
    public float get(long index) {
        long block = index / BLOCK;
        int j = (int) (index % BLOCK);
        int bits = packed(block, j % 16);
        int nibble = j < 16 ? bits & 0xF : bits >>> 4;
        return nibble * scale(block) + min(block);
    }

    @Override
    public void dequantize(long from, float[] out, int outOffset, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long block = from / BLOCK + b;
            float d = scale(block);
            float m = min(block);
            int o = outOffset + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int bits = packed(block, j);
                out[o + j] = (bits & 0xF) * d + m;
                out[o + j + 16] = (bits >>> 4) * d + m;
            }
        }
    }

    /** Per block, {@code d * sum(q * x) + m * sum(x)}: the minimum needs only the sum of the inputs. */
    @Override
    public float dot(long from, float[] x, int xOffset, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK; b++) {
            long block = from / BLOCK + b;
            int xi = xOffset + b * BLOCK;
            float quantSum = 0f;
            float inputSum = 0f;
            for (int j = 0; j < 16; j++) {
                int bits = packed(block, j);
                float low = x[xi + j];
                float high = x[xi + j + 16];
                quantSum += (bits & 0xF) * low + (bits >>> 4) * high;
                inputSum += low + high;
            }
            sum += scale(block) * quantSum + min(block) * inputSum;
        }
        return sum;
    }
}
