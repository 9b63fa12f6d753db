package dev.sift.engine.backend;

import dev.sift.engine.tensor.VectorMath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** {@link CpuKernels#keyScores} against each query's dot product with each key, written out. */
class KeyScoresTest {

    private static final int LANES = VectorMath.F.length();
    private static final int HEAD_DIM = 64;

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void scoresAreEachQuerysDotProductWithEachKey(int queries) {
        Random random = new Random(queries);
        // Three whole vectors and a ragged one, whatever the lane count (5 entries past a whole vector
        // need 8 lanes or more to stay within one).
        int entries = 3 * LANES + Math.min(5, LANES - 1);
        int stride = 4 * LANES;
        float[][] keys = new float[entries][HEAD_DIM];
        float[] transposed = new float[HEAD_DIM * stride];
        for (int e = 0; e < entries; e++) {
            for (int d = 0; d < HEAD_DIM; d++) {
                keys[e][d] = (float) random.nextGaussian();
                transposed[d * stride + e] = keys[e][d];
            }
        }
        int offset = 7;
        float[] query = new float[offset + queries * HEAD_DIM];
        for (int i = 0; i < query.length; i++) {
            query[i] = (float) random.nextGaussian();
        }
        float[][] outs = new float[1 + queries + 1][stride];
        for (float[] row : outs) {
            Arrays.fill(row, Float.NaN);
        }
        CpuKernels.keyScores(transposed, stride, HEAD_DIM, entries, query, offset, queries, outs, 1);
        for (int i = 0; i < queries; i++) {
            for (int e = 0; e < entries; e++) {
                double expected = 0;
                for (int d = 0; d < HEAD_DIM; d++) {
                    expected += (double) query[offset + i * HEAD_DIM + d] * keys[e][d];
                }
                assertThat(outs[1 + i][e]).as("query %d entry %d", i, e).isCloseTo((float) expected, within(1e-4f));
            }
        }
        // Rows of other heads are left alone.
        assertThat(outs[0]).containsOnly(Float.NaN);
        assertThat(outs[1 + queries]).containsOnly(Float.NaN);
    }

    @Test
    void transposeLaysTheRowsOutColumnByColumnPaddedWithZeros() {
        int rows = LANES + 3;
        int cols = 21;
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
        }
        float[] out = CpuKernels.transpose(x, cols, rows);
        int width = CpuKernels.wholeVectors(rows);
        assertThat(width).isEqualTo(2 * LANES);
        for (int j = 0; j < cols; j++) {
            for (int r = 0; r < width; r++) {
                assertThat(out[j * width + r]).as("column %d row %d", j, r).isEqualTo(r < rows ? x[r * cols + j] : 0f);
            }
        }
    }

    @Test
    void refusesMoreQueriesThanItHasSumsFor() {
        float[][] outs = new float[5][LANES];
        assertThatThrownBy(() -> CpuKernels.keyScores(new float[HEAD_DIM * LANES], LANES, HEAD_DIM, 1,
                new float[5 * HEAD_DIM], 0, 5, outs, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 5");
    }
}
