package dev.sift.engine.backend;

import dev.sift.engine.tensor.Tensor;
import dev.sift.engine.tensor.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The matrix-matrix product of a prompt batch, {@code out[t][r] = W[r] · x[t]}: the arithmetic of
 * prefill, where every weight row meets every token of the batch.
 *
 * <p>A task's rows are decoded into a float scratch {@link #DEPTH} columns at a time, once per
 * batch, so the cost of decoding a block format is shared by all the batch's tokens. The decoded
 * rows are then multiplied against the batch in tiles of {@link #ROWS} rows by {@link #TOKENS}
 * tokens: the tile's sixteen sums stay in vector registers, and each vector loaded from the rows or
 * the activations feeds four multiply-adds, so the loop runs at the speed of the multiply-add units
 * rather than of the loads. The decoded slice of a tile's rows is small enough for the level-1
 * cache; the batch's slice of activations stays in the level-2 cache while the task's rows meet it.
 * (A 4 × 6 tile measured 20% slower: 64 tokens leave a partial tile, and 24 sums crowd the registers.)
 */
final class TiledMatmul {

    /** Weight rows decoded and multiplied together. */
    static final int ROWS = 4;
    /** Tokens multiplied together against the decoded rows. */
    static final int TOKENS = 4;
    /**
     * Columns taken at a time: a multiple of every block size (256 for K-quants), small enough that
     * a 64-token batch's slice of activations ({@code batch × DEPTH} floats, 256 KiB) stays in the
     * level-2 cache while a task's rows meet it (2048 measured 20% slower on the 8192-column
     * down projection, 512 slower again).
     */
    static final int DEPTH = 1024;

    private static final VectorSpecies<Float> F = VectorMath.F;
    private static final int LANES = F.length();

    /** Each worker's decoded rows, grown to the widest matrix seen. */
    private static final ThreadLocal<float[]> DECODED = ThreadLocal.withInitial(() -> new float[0]);
    /** Each worker's lanes of a tile's sums, added up by {@link VectorMath#fold}. */
    private static final ThreadLocal<float[]> SUMS = ThreadLocal.withInitial(() -> new float[ROWS * TOKENS * LANES]);

    private TiledMatmul() {
    }

    /**
     * Rows {@code [from, to)} of the product for every token: {@code out[t * rows + r] = W[r] · x[t * cols ..]}
     * for {@code t < batch}. The columns are taken {@link #DEPTH} at a time, so that the slice of
     * the activations the rows meet stays in the level-2 cache while every row of the range meets it.
     */
    static void rows(float[] out, Tensor weights, float[] x, int rows, int cols, int batch, int from, int to) {
        for (int t = 0; t < batch; t++) {
            Arrays.fill(out, t * rows + from, t * rows + to, 0f);
        }
        int depth = Math.min(DEPTH, cols);
        float[] w = Scratch.atLeast(DECODED, (to - from) * depth);
        float[] sums = SUMS.get();
        for (int k = 0; k < cols; k += depth) {
            int n = Math.min(depth, cols - k);
            for (int r = from; r < to; r++) {
                weights.dequantize((long) r * cols + k, w, (r - from) * depth, n);
            }
            for (int r = from; r < to; r += ROWS) {
                int w0 = (r - from) * depth;
                if (to - r < ROWS) {
                    for (int i = r; i < to; i++) {
                        for (int t = 0; t < batch; t++) {
                            out[t * rows + i] += dot(w, w0 + (i - r) * depth, x, t * cols + k, n);
                        }
                    }
                    continue;
                }
                int t = 0;
                for (; t + TOKENS <= batch; t += TOKENS) {
                    tile(out, sums, w, w0, depth, x, cols, k, n, rows, r, t);
                }
                for (; t < batch; t++) {
                    column(out, sums, w, w0, depth, x, cols, k, n, rows, r, t);
                }
            }
        }
    }

    /**
     * Decoded rows {@code r .. r+3} (at {@code w0}, {@code stride} apart in {@code w}) times columns
     * {@code [k, k+n)} of tokens {@code t .. t+3}, with the sixteen sums written out as locals so
     * that they stay in registers; their lanes are then stored in {@code sums} and added up into
     * {@code out}.
     */
    private static void tile(float[] out, float[] sums, float[] w, int w0, int stride, float[] x, int cols, int k,
                             int n, int rows, int r, int t) {
        int w1 = w0 + stride;
        int w2 = w1 + stride;
        int w3 = w2 + stride;
        int x0 = t * cols + k;
        int x1 = x0 + cols;
        int x2 = x1 + cols;
        int x3 = x2 + cols;
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F), c02 = FloatVector.zero(F), c03 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F), c12 = FloatVector.zero(F), c13 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F), c22 = FloatVector.zero(F), c23 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F), c32 = FloatVector.zero(F), c33 = FloatVector.zero(F);
        int upper = F.loopBound(n);
        int j = 0;
        for (; j < upper; j += LANES) {
            FloatVector a0 = FloatVector.fromArray(F, w, w0 + j);
            FloatVector a1 = FloatVector.fromArray(F, w, w1 + j);
            FloatVector a2 = FloatVector.fromArray(F, w, w2 + j);
            FloatVector a3 = FloatVector.fromArray(F, w, w3 + j);
            FloatVector b = FloatVector.fromArray(F, x, x0 + j);
            c00 = a0.fma(b, c00);
            c10 = a1.fma(b, c10);
            c20 = a2.fma(b, c20);
            c30 = a3.fma(b, c30);
            b = FloatVector.fromArray(F, x, x1 + j);
            c01 = a0.fma(b, c01);
            c11 = a1.fma(b, c11);
            c21 = a2.fma(b, c21);
            c31 = a3.fma(b, c31);
            b = FloatVector.fromArray(F, x, x2 + j);
            c02 = a0.fma(b, c02);
            c12 = a1.fma(b, c12);
            c22 = a2.fma(b, c22);
            c32 = a3.fma(b, c32);
            b = FloatVector.fromArray(F, x, x3 + j);
            c03 = a0.fma(b, c03);
            c13 = a1.fma(b, c13);
            c23 = a2.fma(b, c23);
            c33 = a3.fma(b, c33);
        }
        c00.intoArray(sums, 0);
        c10.intoArray(sums, LANES);
        c20.intoArray(sums, 2 * LANES);
        c30.intoArray(sums, 3 * LANES);
        c01.intoArray(sums, 4 * LANES);
        c11.intoArray(sums, 5 * LANES);
        c21.intoArray(sums, 6 * LANES);
        c31.intoArray(sums, 7 * LANES);
        c02.intoArray(sums, 8 * LANES);
        c12.intoArray(sums, 9 * LANES);
        c22.intoArray(sums, 10 * LANES);
        c32.intoArray(sums, 11 * LANES);
        c03.intoArray(sums, 12 * LANES);
        c13.intoArray(sums, 13 * LANES);
        c23.intoArray(sums, 14 * LANES);
        c33.intoArray(sums, 15 * LANES);
        for (int token = 0; token < TOKENS; token++) {
            store(out, (t + token) * rows + r, sums, token * ROWS * LANES, w, w0, stride, x, x0 + token * cols, n, j);
        }
    }

    /** Decoded rows {@code r .. r+3} times one token, for the tokens left over after the last whole tile. */
    private static void column(float[] out, float[] sums, float[] w, int w0, int stride, float[] x, int cols, int k,
                               int n, int rows, int r, int t) {
        int x0 = t * cols + k;
        FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F), c2 = FloatVector.zero(F), c3 = FloatVector.zero(F);
        int upper = F.loopBound(n);
        int j = 0;
        for (; j < upper; j += LANES) {
            FloatVector b = FloatVector.fromArray(F, x, x0 + j);
            c0 = FloatVector.fromArray(F, w, w0 + j).fma(b, c0);
            c1 = FloatVector.fromArray(F, w, w0 + stride + j).fma(b, c1);
            c2 = FloatVector.fromArray(F, w, w0 + 2 * stride + j).fma(b, c2);
            c3 = FloatVector.fromArray(F, w, w0 + 3 * stride + j).fma(b, c3);
        }
        c0.intoArray(sums, 0);
        c1.intoArray(sums, LANES);
        c2.intoArray(sums, 2 * LANES);
        c3.intoArray(sums, 3 * LANES);
        store(out, t * rows + r, sums, 0, w, w0, stride, x, x0, n, j);
    }

    /**
     * Adds one token's four row sums, whose lanes are at {@code sums[at ..]} row after row, with the
     * columns from {@code j} on that did not fill a vector, to {@code out[o .. o+3]}.
     */
    private static void store(float[] out, int o, float[] sums, int at, float[] w, int w0, int stride,
                              float[] x, int x0, int n, int j) {
        for (int i = 0; i < ROWS; i++) {
            out[o + i] += VectorMath.fold(sums, at + i * LANES) + tail(w, w0 + i * stride, x, x0, n, j);
        }
    }

    private static float tail(float[] w, int w0, float[] x, int x0, int n, int j) {
        float sum = 0f;
        for (; j < n; j++) {
            sum += w[w0 + j] * x[x0 + j];
        }
        return sum;
    }

    /** {@code w[w0 ..] · x[x0 ..]} over {@code cols} elements. */
    private static float dot(float[] w, int w0, float[] x, int x0, int cols) {
        FloatVector acc = FloatVector.zero(F);
        int upper = F.loopBound(cols);
        int k = 0;
        for (; k < upper; k += LANES) {
            acc = FloatVector.fromArray(F, w, w0 + k).fma(FloatVector.fromArray(F, x, x0 + k), acc);
        }
        return VectorMath.sum(acc) + tail(w, w0, x, x0, cols, k);
    }
}
