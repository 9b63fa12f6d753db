package dev.sift.engine.backend;

import dev.sift.engine.gguf.TensorType;
import dev.sift.engine.tensor.Quantizer;
import dev.sift.engine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The batched matmul against each row's dot product with each token, for every weight type, with
 * rows and tokens that leave partial tiles, and rows longer than one slice of columns.
 */
class TiledMatmulTest {

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q4_K", "Q5_K", "Q6_K"})
    void matchesTheDotProductOfEveryRowWithEveryToken(TensorType type) {
        Random random = new Random(11 + type.ordinal());
        int rows = 2 * TiledMatmul.ROWS * 3 + 3;
        int cols = TiledMatmul.DEPTH + 512;
        int batch = 2 * TiledMatmul.TOKENS + 3;
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        Tensor weights = Tensor.of(type, MemorySegment.ofArray(Quantizer.quantize(type, values)), values.length);
        float[] x = new float[batch * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] out = new float[batch * rows];
        try (CpuKernels kernels = new CpuKernels(2)) {
            kernels.matmul(out, weights, x, rows, cols, batch);
        }
        for (int t = 0; t < batch; t++) {
            for (int r = 0; r < rows; r++) {
                float expected = weights.dot((long) r * cols, x, t * cols, cols);
                assertThat(out[t * rows + r]).as("%s row %d token %d", type, r, t)
                        .isCloseTo(expected, within(1e-3f * (1 + Math.abs(expected))));
            }
        }
    }
}
