package dev.sift.engine.tensor;

import dev.sift.engine.gguf.TensorType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/** Random weight matrices for the kernel benchmarks, stored off-heap as a mapped file's would be. */
public final class RandomWeights {

    private RandomWeights() {
    }

    /**
     * {@code rows × cols} standard normal values drawn from {@code random} row by row, quantized to
     * {@code type} one row at a time into a 64-byte-aligned segment of {@code arena}.
     */
    public static Tensor matrix(TensorType type, int rows, int cols, SplittableRandom random, Arena arena) {
        float[] values = new float[cols];
        long rowBytes = type.bytesFor(cols);
        MemorySegment data = arena.allocate(rowBytes * rows, 64);
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) {
                values[i] = (float) random.nextGaussian();
            }
            MemorySegment.copy(MemorySegment.ofArray(Quantizer.quantize(type, values)), 0, data, r * rowBytes, rowBytes);
        }
        return Tensor.of(type, data, (long) rows * cols);
    }
}
