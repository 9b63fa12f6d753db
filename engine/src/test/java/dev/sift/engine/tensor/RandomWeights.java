package dev.sift.engine.tensor;

import dev.sift.engine.gguf.TensorType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * Random weight matrices for the kernel benchmarks, stored off-heap as a mapped file's would be, and
 * random activations to multiply them with.
 */
public final class RandomWeights {

    private RandomWeights() {
    }

    /**
     * {@code rows × cols} standard normal values drawn from {@code random} row by row, quantized to
     * {@code type} one row at a time into a 64-byte-aligned segment of {@code arena}.
     */
    public static Tensor matrix(TensorType type, int rows, int cols, SplittableRandom random, Arena arena) {
        long rowBytes = type.bytesFor(cols);
        MemorySegment data = arena.allocate(rowBytes * rows, 64);
        for (int r = 0; r < rows; r++) {
            float[] values = activations(cols, random);
            MemorySegment.copy(MemorySegment.ofArray(Quantizer.quantize(type, values)), 0, data, r * rowBytes, rowBytes);
        }
        return Tensor.of(type, data, (long) rows * cols);
    }

    /** {@code n} standard normal values drawn from {@code random}. */
    public static float[] activations(int n, SplittableRandom random) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
