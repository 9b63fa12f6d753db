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
        if (Simd.SCALAR) {
            for (int i = 0; i < n; i++) {
                out[outOffset + i] = Float.float16ToFloat(data.getAtIndex(F16, from + i));
            }
            return;
        }
        VectorMath.halfToFloat(data, from * Short.BYTES, out, outOffset, n);
    }

    /**
     * Widens {@link Simd#SCRATCH} halves at a time into this thread's scratch
     * ({@link VectorMath#halfToFloat}) and multiplies them into the inputs in vector lanes.
     */
    @Override
    public float dot(long from, float[] x, int xOffset, int n) {
        if (Simd.SCALAR) {
            return dotScalar(from, x, xOffset, n);
        }
        float[] scratch = Simd.scratch();
        float sum = 0f;
        for (int done = 0; done < n; done += Simd.SCRATCH) {
            int count = Math.min(Simd.SCRATCH, n - done);
            VectorMath.halfToFloat(data, (from + done) * Short.BYTES, scratch, 0, count);
            sum += Simd.dot(scratch, x, xOffset + done, count);
        }
        return sum;
    }

    /** The scalar reference of {@link #dot}. */
    float dotScalar(long from, float[] x, int xOffset, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += Float.float16ToFloat(data.getAtIndex(F16, from + i)) * x[xOffset + i];
        }
        return sum;
    }
}
