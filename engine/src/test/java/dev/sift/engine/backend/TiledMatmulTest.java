package dev.sift.engine.backend;

import dev.sift.engine.gguf.TensorType;
import dev.sift.engine.tensor.Quantizer;
import dev.sift.engine.tensor.Tensor;
import dev.sift.engine.tensor.VectorMath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The batched matmul against each row's dot product with each token, for every weight type, with
 * rows and tokens that leave partial tiles, and rows longer than one slice of columns.
 */
class TiledMatmulTest {

    private static final int LANES = VectorMath.F.length();
    /** Two whole tiles of tokens, one more vector for {@code column} and a partial vector. */
    private static final int BATCH = 2 * TiledMatmul.TOKEN_VECTORS * LANES + LANES + 3;
    /** Two tasks of whole tiles and one that ends in padding rows. */
    private static final int ROWS = 2 * 16 + 3;
    private static final int COLS = 2 * TiledMatmul.DEPTH + 256;

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q4_K", "Q5_K", "Q6_K"})
    void matchesTheDotProductOfEveryRowWithEveryToken(TensorType type) {
        Random random = new Random(11 + type.ordinal());
        Tensor weights = randomWeights(type, random);
        float[] x = gaussians(random, BATCH * COLS);
        float[] out = new float[BATCH * ROWS];
        try (CpuKernels kernels = new CpuKernels(2)) {
            kernels.matmul(out, weights, x, ROWS, COLS, BATCH);
        }
        for (int t = 0; t < BATCH; t++) {
            for (int r = 0; r < ROWS; r++) {
                float expected = weights.dot((long) r * COLS, x, t * COLS, COLS);
                assertThat(out[t * ROWS + r]).as("%s row %d token %d", type, r, t)
                        .isCloseTo(expected, within(1e-3f * (1 + Math.abs(expected))));
            }
        }
    }

    @Test
    void aTokenGetsTheSameSumsInATileInAColumnAndAlone() {
        Random random = new Random(5);
        Tensor weights = randomWeights(TensorType.Q8_0, random);
        float[] x = gaussians(random, BATCH * COLS);
        float[] batched = new float[BATCH * ROWS];
        float[] alone = new float[ROWS];
        try (CpuKernels kernels = new CpuKernels(3)) {
            kernels.matmul(batched, weights, x, ROWS, COLS, BATCH);
            // The first token of a tile, the first of the column after the tiles, the last one.
            for (int t : new int[] {0, 2 * TiledMatmul.TOKEN_VECTORS * LANES, BATCH - 1}) {
                kernels.matmul(alone, weights, Arrays.copyOfRange(x, t * COLS, (t + 1) * COLS), ROWS, COLS, 1);
                assertThat(Arrays.copyOfRange(batched, t * ROWS, (t + 1) * ROWS)).as("token %d", t).isEqualTo(alone);
            }
        }
    }

    private static Tensor randomWeights(TensorType type, Random random) {
        float[] values = gaussians(random, ROWS * COLS);
        return Tensor.of(type, MemorySegment.ofArray(Quantizer.quantize(type, values)), values.length);
    }

    private static float[] gaussians(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
