package dev.sift.engine.backend;

import dev.sift.engine.tensor.Scratch;
import dev.sift.engine.tensor.Tensor;
import dev.sift.engine.tensor.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The matrix-matrix product of a prompt batch, {@code out[t][r] = W[r] · x[t]}: the arithmetic of
 * prefill, where every weight row meets every token of the batch.
 *
 * <p>The batch's activations are first transposed, column after column with the tokens side by
 * side ({@link CpuKernels#transpose}), so that a vector holds one column of {@link VectorMath#F}{@code .length()}
 * tokens. A task's rows are decoded into a float scratch {@link #DEPTH} columns at a time, once per
 * batch, so the cost of decoding a block format is shared by all the batch's tokens. They are then
 * multiplied in tiles of {@link #ROWS} rows by {@link #TOKEN_VECTORS} vectors of tokens: each column
 * step broadcasts one weight per row and loads one vector per token group, and feeds them into the
 * tile's sixteen sums, which stay in vector registers (measured at about 90% of the multiply-add
 * units' peak on one AVX-512 core). Every lane is one token's sum for one row, so lanes are never
 * added across: a token's sum is its products added in column order, the same whatever batch the
 * token is in and however the rows are split between workers.
 *
 * <p>Tokens past the last whole tile go through {@link #column} one vector at a time, padded with
 * zero tokens to a whole vector; a task's rows are padded with zero rows to a multiple of
 * {@link #COLUMN_ROWS}.
 */
final class TiledMatmul {

    /** Weight rows multiplied together. */
    static final int ROWS = 4;
    /** Vectors of tokens multiplied together against the rows. */
    static final int TOKEN_VECTORS = 4;
    /**
     * Columns decoded at a time: a multiple of every block size (256 for K-quants). A tile's decoded
     * rows ({@code ROWS × DEPTH} floats) stay in the level-1 cache, the activations' slice
     * ({@code DEPTH × batch} floats, 64 KiB for 64 tokens) in the level-2 cache; 128 and 512 measured
     * within noise of it, 1024 slower on the 8192-column down projection.
     */
    static final int DEPTH = 256;

    private static final VectorSpecies<Float> F = VectorMath.F;
    private static final int LANES = F.length();
    /** Tokens in a tile. */
    private static final int TILE_TOKENS = TOKEN_VECTORS * LANES;
    /**
     * Rows multiplied together against the one vector of tokens left after the last whole tile:
     * eight sums, enough to keep the multiply-add units busy while each waits for its last result.
     */
    static final int COLUMN_ROWS = 2 * ROWS;
    /** Each worker's decoded rows, grown to the widest matrix seen. */
    private static final ThreadLocal<float[]> DECODED = ThreadLocal.withInitial(() -> new float[0]);
    /** Each worker's sums of its rows, row after row with the tokens side by side. */
    private static final ThreadLocal<float[]> SUMS = ThreadLocal.withInitial(() -> new float[0]);

    private TiledMatmul() {
    }

    /**
     * Rows {@code [from, to)} of the product for every token: {@code out[t * rows + r] = W[r] · x[t]}
     * for {@code t < batch}, with {@code xt} the activations from {@link CpuKernels#transpose}.
     */
    static void rows(float[] out, Tensor weights, float[] xt, int rows, int cols, int batch, int from, int to) {
        int width = CpuKernels.wholeVectors(batch);
        int tileRows = (to - from + COLUMN_ROWS - 1) / COLUMN_ROWS * COLUMN_ROWS;
        int depth = Math.min(DEPTH, cols);
        float[] w = Scratch.atLeast(DECODED, tileRows * depth);
        float[] sums = Scratch.atLeast(SUMS, tileRows * width);
        Arrays.fill(sums, 0, tileRows * width, 0f);
        Arrays.fill(w, (to - from) * depth, tileRows * depth, 0f);
        for (int k = 0; k < cols; k += depth) {
            int n = Math.min(depth, cols - k);
            for (int r = from; r < to; r++) {
                weights.dequantize((long) r * cols + k, w, (r - from) * depth, n);
            }
            for (int r = 0; r < tileRows; r += COLUMN_ROWS) {
                int t = 0;
                for (; t + TILE_TOKENS <= width; t += TILE_TOKENS) {
                    tile(sums, r * width + t, width, w, r * depth, depth, xt, k * width + t, n);
                    tile(sums, (r + ROWS) * width + t, width, w, (r + ROWS) * depth, depth, xt, k * width + t, n);
                }
                for (; t < width; t += LANES) {
                    column(sums, r * width + t, width, w, r * depth, depth, xt, k * width + t, n);
                }
            }
        }
        // Token by token, so that the writes of a token's rows are one run rather than a stride
        // of whole rows, which falls on one cache set.
        for (int t = 0; t < batch; t++) {
            for (int r = from; r < to; r++) {
                out[t * rows + r] = sums[(r - from) * width + t];
            }
        }
    }

    /**
     * Adds four decoded rows (at {@code w0}, {@code stride} apart in {@code w}) times {@code n}
     * columns of {@link #TILE_TOKENS} tokens (at {@code x0} in {@code xt}, a column every
     * {@code width} floats) to the rows' sums at {@code s0} in {@code sums} ({@code width} apart).
     */
    private static void tile(float[] sums, int s0, int width, float[] w, int w0, int stride, float[] xt, int x0, int n) {
        int s1 = s0 + width;
        int s2 = s1 + width;
        int s3 = s2 + width;
        FloatVector c00 = FloatVector.fromArray(F, sums, s0), c01 = FloatVector.fromArray(F, sums, s0 + LANES);
        FloatVector c02 = FloatVector.fromArray(F, sums, s0 + 2 * LANES), c03 = FloatVector.fromArray(F, sums, s0 + 3 * LANES);
        FloatVector c10 = FloatVector.fromArray(F, sums, s1), c11 = FloatVector.fromArray(F, sums, s1 + LANES);
        FloatVector c12 = FloatVector.fromArray(F, sums, s1 + 2 * LANES), c13 = FloatVector.fromArray(F, sums, s1 + 3 * LANES);
        FloatVector c20 = FloatVector.fromArray(F, sums, s2), c21 = FloatVector.fromArray(F, sums, s2 + LANES);
        FloatVector c22 = FloatVector.fromArray(F, sums, s2 + 2 * LANES), c23 = FloatVector.fromArray(F, sums, s2 + 3 * LANES);
        FloatVector c30 = FloatVector.fromArray(F, sums, s3), c31 = FloatVector.fromArray(F, sums, s3 + LANES);
        FloatVector c32 = FloatVector.fromArray(F, sums, s3 + 2 * LANES), c33 = FloatVector.fromArray(F, sums, s3 + 3 * LANES);
        int w1 = w0 + stride;
        int w2 = w1 + stride;
        int w3 = w2 + stride;
        for (int j = 0, x = x0; j < n; j++, x += width) {
            FloatVector b0 = FloatVector.fromArray(F, xt, x);
            FloatVector b1 = FloatVector.fromArray(F, xt, x + LANES);
            FloatVector b2 = FloatVector.fromArray(F, xt, x + 2 * LANES);
            FloatVector b3 = FloatVector.fromArray(F, xt, x + 3 * LANES);
            FloatVector a = FloatVector.broadcast(F, w[w0 + j]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            c02 = a.fma(b2, c02);
            c03 = a.fma(b3, c03);
            a = FloatVector.broadcast(F, w[w1 + j]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            c12 = a.fma(b2, c12);
            c13 = a.fma(b3, c13);
            a = FloatVector.broadcast(F, w[w2 + j]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            c22 = a.fma(b2, c22);
            c23 = a.fma(b3, c23);
            a = FloatVector.broadcast(F, w[w3 + j]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            c32 = a.fma(b2, c32);
            c33 = a.fma(b3, c33);
        }
        c00.intoArray(sums, s0);
        c01.intoArray(sums, s0 + LANES);
        c02.intoArray(sums, s0 + 2 * LANES);
        c03.intoArray(sums, s0 + 3 * LANES);
        c10.intoArray(sums, s1);
        c11.intoArray(sums, s1 + LANES);
        c12.intoArray(sums, s1 + 2 * LANES);
        c13.intoArray(sums, s1 + 3 * LANES);
        c20.intoArray(sums, s2);
        c21.intoArray(sums, s2 + LANES);
        c22.intoArray(sums, s2 + 2 * LANES);
        c23.intoArray(sums, s2 + 3 * LANES);
        c30.intoArray(sums, s3);
        c31.intoArray(sums, s3 + LANES);
        c32.intoArray(sums, s3 + 2 * LANES);
        c33.intoArray(sums, s3 + 3 * LANES);
    }

    /**
     * Adds {@link #COLUMN_ROWS} decoded rows times {@code n} columns of one vector of tokens to the
     * rows' sums, as {@link #tile} does for more tokens: each lane is added up in the same order,
     * so a token's sums are the same in a column as in a tile.
     */
    private static void column(float[] sums, int s0, int width, float[] w, int w0, int stride, float[] xt, int x0, int n) {
        FloatVector c0 = FloatVector.fromArray(F, sums, s0);
        FloatVector c1 = FloatVector.fromArray(F, sums, s0 + width);
        FloatVector c2 = FloatVector.fromArray(F, sums, s0 + 2 * width);
        FloatVector c3 = FloatVector.fromArray(F, sums, s0 + 3 * width);
        FloatVector c4 = FloatVector.fromArray(F, sums, s0 + 4 * width);
        FloatVector c5 = FloatVector.fromArray(F, sums, s0 + 5 * width);
        FloatVector c6 = FloatVector.fromArray(F, sums, s0 + 6 * width);
        FloatVector c7 = FloatVector.fromArray(F, sums, s0 + 7 * width);
        for (int j = 0, x = x0; j < n; j++, x += width) {
            FloatVector b = FloatVector.fromArray(F, xt, x);
            c0 = FloatVector.broadcast(F, w[w0 + j]).fma(b, c0);
            c1 = FloatVector.broadcast(F, w[w0 + stride + j]).fma(b, c1);
            c2 = FloatVector.broadcast(F, w[w0 + 2 * stride + j]).fma(b, c2);
            c3 = FloatVector.broadcast(F, w[w0 + 3 * stride + j]).fma(b, c3);
            c4 = FloatVector.broadcast(F, w[w0 + 4 * stride + j]).fma(b, c4);
            c5 = FloatVector.broadcast(F, w[w0 + 5 * stride + j]).fma(b, c5);
            c6 = FloatVector.broadcast(F, w[w0 + 6 * stride + j]).fma(b, c6);
            c7 = FloatVector.broadcast(F, w[w0 + 7 * stride + j]).fma(b, c7);
        }
        c0.intoArray(sums, s0);
        c1.intoArray(sums, s0 + width);
        c2.intoArray(sums, s0 + 2 * width);
        c3.intoArray(sums, s0 + 3 * width);
        c4.intoArray(sums, s0 + 4 * width);
        c5.intoArray(sums, s0 + 5 * width);
        c6.intoArray(sums, s0 + 6 * width);
        c7.intoArray(sums, s0 + 7 * width);
    }
}
