package dev.sift.engine.tensor;

import dev.sift.engine.gguf.TensorType;

import java.lang.foreign.MemorySegment;

/** IEEE half-precision floats, little-endian. */
public final class F16Tensor extends Tensor {

    F16Tensor(MemorySegment data, long size) {
        super(data, size);
    }

    @Override
    public TensorType type() {
        return TensorType.F16;
    }

    @Override
    public float get(long index) {
        return Float.float16ToFloat(data.getAtIndex(F16, index));
    }

    @Override
    public void dequantize(long from, float[] out, int outOffset, int n) {
        for (int i = 0; i < n; i++) {
            out[outOffset + i] = Float.float16ToFloat(data.getAtIndex(F16, from + i));
        }
    }

    @Override
    public float dot(long from, float[] x, int xOffset, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += Float.float16ToFloat(data.getAtIndex(F16, from + i)) * x[xOffset + i];
        }
        return sum;
    }
}
