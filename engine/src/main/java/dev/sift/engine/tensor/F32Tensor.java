package dev.sift.engine.tensor;

import dev.sift.engine.gguf.TensorType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** 32-bit IEEE floats, little-endian. */
public final class F32Tensor extends Tensor {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    F32Tensor(MemorySegment data, long size) {
        super(data, size);
    }

    @Override
    public TensorType type() {
        return TensorType.F32;
    }

    @Override
    public float get(long index) {
        return data.getAtIndex(F32, index);
    }

    @Override
    public void dequantize(long from, float[] out, int outOffset, int n) {
        MemorySegment.copy(data, F32, from * Float.BYTES, out, outOffset, n);
    }

    @Override
    public float dot(long from, float[] x, int xOffset, int n) {
        long base = from * Float.BYTES;
        FloatVector sum = FloatVector.zero(SPECIES);
        int i = 0;
        int upper = SPECIES.loopBound(n);
        for (; i < upper; i += SPECIES.length()) {
            FloatVector w = FloatVector.fromMemorySegment(SPECIES, data, base + (long) i * Float.BYTES, ByteOrder.LITTLE_ENDIAN);
            sum = w.fma(FloatVector.fromArray(SPECIES, x, xOffset + i), sum);
        }
        float result = VectorMath.sum(sum);
        for (; i < n; i++) {
            result += data.get(F32, base + (long) i * Float.BYTES) * x[xOffset + i];
        }
        return result;
    }
}
