package dev.sift.engine.tensor;

import dev.sift.engine.gguf.TensorType;

import java.lang.foreign.MemorySegment;

/** bfloat16: the upper 16 bits of an IEEE float, little-endian. */
public final class BF16Tensor extends Tensor {

    BF16Tensor(MemorySegment data, long size) {
        super(data, size);
    }

    @Override
    public TensorType type() {
        return TensorType.BF16;
    }

    private static float decode(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    @Override
    public float get(long index) {
        return decode(data.getAtIndex(F16, index));
    }

    @Override
    public void dequantize(long from, float[] out, int outOffset, int n) {
        for (int i = 0; i < n; i++) {
            out[outOffset + i] = decode(data.getAtIndex(F16, from + i));
        }
    }

    @Override
    public float dot(long from, float[] x, int xOffset, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += decode(data.getAtIndex(F16, from + i)) * x[xOffset + i];
        }
        return sum;
    }
}
