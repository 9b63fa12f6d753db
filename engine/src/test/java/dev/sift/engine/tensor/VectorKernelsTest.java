package dev.sift.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sift.engine.gguf.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The vector {@code dot} kernels against the scalar ones they replace and against the dot product of
 * the dequantized rows, in heap and off-heap memory, at offsets that are not the first block.
 */
class VectorKernelsTest {

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"F16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void vectorDotMatchesScalarAndDequantized(TensorType type) {
        Random random = new Random(42 + type.ordinal());
        int cols = 768;
        int rows = 5;
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian() * (i % 97 == 0 ? 3f : 0.5f);
        }
        float[] x = new float[cols + 7];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        byte[] bytes = Quantizer.quantize(type, values);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment offHeap = arena.allocate(bytes.length);
            offHeap.copyFrom(MemorySegment.ofArray(bytes));
            for (MemorySegment segment : new MemorySegment[] {MemorySegment.ofArray(bytes), offHeap}) {
                Tensor tensor = Tensor.of(type, segment, values.length);
                float[] row = new float[cols];
                for (int r = 0; r < rows; r++) {
                    for (int xOffset : new int[] {0, 7}) {
                        long from = (long) r * cols;
                        tensor.dequantize(from, row, 0, cols);
                        double exact = 0;
                        double magnitude = 0;
                        for (int i = 0; i < cols; i++) {
                            exact += (double) row[i] * x[xOffset + i];
                            magnitude += Math.abs((double) row[i] * x[xOffset + i]);
                        }
                        float vector = tensor.dot(from, x, xOffset, cols);
                        float scalar = scalarDot(tensor, from, x, xOffset, cols);
                        double tolerance = 1e-5 * magnitude + 1e-6;
                        assertThat((double) vector).as("%s row %d vector vs exact", type, r)
                                .isCloseTo(exact, org.assertj.core.data.Offset.offset(tolerance));
                        assertThat((double) scalar).as("%s row %d scalar vs exact", type, r)
                                .isCloseTo(exact, org.assertj.core.data.Offset.offset(tolerance));
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void vectorDequantizeIsExactlyTheScalarOne(TensorType type) {
        Random random = new Random(7 + type.ordinal());
        float[] values = new float[3 * 256];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian() * (i % 89 == 0 ? 4f : 0.7f);
        }
        Tensor tensor = Tensor.of(type, MemorySegment.ofArray(Quantizer.quantize(type, values)), values.length);
        // From the second super-block on, into an output at an odd offset.
        int from = 256;
        int n = values.length - from;
        float[] vector = new float[n + 3];
        float[] scalar = new float[n + 3];
        tensor.dequantize(from, vector, 3, n);
        scalarDequantize(tensor, from, scalar, 3, n);
        assertThat(vector).containsExactly(scalar);
        assertThat(vector[3]).isNotZero();
    }

    /**
     * A share of a matrix-vector product gives each row exactly its {@code dot}, whichever rows the
     * share covers: the K-quants' sums of the input, worked out once per share, are the ones a single
     * row's {@code dot} works out.
     */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void matvecGivesEachRowItsDot(TensorType type) {
        Random random = new Random(11 + type.ordinal());
        int cols = 512;
        int rows = 6;
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (float) random.nextGaussian();
        }
        Tensor tensor = Tensor.of(type, MemorySegment.ofArray(Quantizer.quantize(type, values)), values.length);
        float[] whole = new float[rows];
        float[] shares = new float[rows];
        tensor.matvec(whole, x, cols, 0, rows);
        tensor.matvec(shares, x, cols, 0, 1);
        tensor.matvec(shares, x, cols, 1, 4);
        tensor.matvec(shares, x, cols, 4, rows);
        for (int r = 0; r < rows; r++) {
            float dot = tensor.dot((long) r * cols, x, 0, cols);
            assertThat(whole[r]).as("%s row %d", type, r).isEqualTo(dot).isNotZero();
            assertThat(shares[r]).as("%s row %d in a share", type, r).isEqualTo(dot);
        }
    }

    private static void scalarDequantize(Tensor tensor, long from, float[] out, int outOffset, int n) {
        switch (tensor) {
            case Q8_0Tensor t -> t.dequantizeScalar(from, out, outOffset, n);
            case Q4_0Tensor t -> t.dequantizeScalar(from, out, outOffset, n);
            case Q4_KTensor t -> t.dequantizeScalar(from, out, outOffset, n);
            case Q5_KTensor t -> t.dequantizeScalar(from, out, outOffset, n);
            case Q6_KTensor t -> t.dequantizeScalar(from, out, outOffset, n);
            default -> throw new IllegalArgumentException("no scalar dequantize for " + tensor.type());
        }
    }

    /** The scalar kernel each vector kernel replaced. */
    static float scalarDot(Tensor tensor, long from, float[] x, int xOffset, int n) {
        return switch (tensor) {
            case F16Tensor t -> t.dotScalar(from, x, xOffset, n);
            case Q8_0Tensor t -> t.dotScalar(from, x, xOffset, n);
            case Q4_0Tensor t -> t.dotScalar(from, x, xOffset, n);
            case Q4_KTensor t -> t.dotScalar(from, x, xOffset, n);
            case Q5_KTensor t -> t.dotScalar(from, x, xOffset, n);
            case Q6_KTensor t -> t.dotScalar(from, x, xOffset, n);
            default -> tensor.dot(from, x, xOffset, n);
        };
    }
}
