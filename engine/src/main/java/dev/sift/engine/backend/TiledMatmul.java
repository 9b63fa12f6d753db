package dev.sift.engine.backend;

import dev.sift.engine.tensor.Tensor;
import dev.sift.engine.tensor.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The matrix-matrix product of a prompt batch, {@code out[t][r] = W[r] · x[t]}: the arithmetic of
 * prefill, where every weight row meets every token of the batch.
 *
 * <p>Weight rows are decoded {@link #ROWS} at a time into a float scratch, once per batch, so the
 * cost of decoding a block format is shared by all the batch's tokens. The decoded rows are then
 * multiplied against the batch in tiles of {@link #ROWS} rows by {@link #TOKENS} tokens: the tile's
 * sixteen sums stay in vector registers, and each vector loaded from the rows or the activations
 * feeds four multiply-adds, so the loop runs at the speed of the multiply-add units rather than of
 * the loads. The decoded rows of a tile are small enough for the level-1 cache and are read once
 * per tile; the activations are read once per row tile.
 */
final class TiledMatmul {

    /** Weight rows decoded and multiplied together. */
    static final int ROWS = 4;
    /** Tokens multiplied together against the decoded rows. */
    static final int TOKENS = 4;
    /**
     * Columns taken at a time: a multiple of every block size (256 for K-quants), small enough that
     * a batch's slice of activations ({@code batch × DEPTH} floats) fits the level-2 cache.
     */
    static final int DEPTH = 2048;

    private static final VectorSpecies<Float> F = VectorMath.F;
    private static final int LANES = F.length();

    /** Each worker's decoded rows, grown to the widest matrix seen. */
    private static final ThreadLocal<float[]> DECODED = ThreadLocal.withInitial(() -> new float[0]);

    private TiledMatmul() {
    }

    /**
     * Rows {@code [from, to)} of the product for every token: {@code out[t * rows + r] = W[r] · x[t * cols ..]}
     * for {@code t < batch}. The columns are taken {@link #DEPTH} at a time, so that the slice of
     * the activations the rows meet stays in the level-2 cache while every row of the range meets it.
     */
    static void rows(float[] out, Tensor weights, float[] x, int rows, int cols, int batch, int from, int to) {
        int depth = Math.min(DEPTH, cols);
        float[] w = decodedRows((to - from) * depth);
        for (int k = 0; k < cols; k += depth) {
            int n = Math.min(depth, cols - k);
            for (int r = from; r < to; r++) {
                weights.dequantize((long) r * cols + k, w, (r - from) * depth, n);
            }
            boolean first = k == 0;
            for (int r = from; r < to; r += ROWS) {
                int w0 = (r - from) * depth;
                if (to - r < ROWS) {
                    for (int i = r; i < to; i++) {
                        for (int t = 0; t < batch; t++) {
                            float sum = dot(w, w0 + (i - r) * depth, x, t * cols + k, n);
                            out[t * rows + i] = first ? sum : out[t * rows + i] + sum;
                        }
                    }
                    continue;
                }
                int t = 0;
                for (; t + TOKENS <= batch; t += TOKENS) {
                    tile(out, w, w0, depth, x, cols, k, n, rows, r, t, first);
                }
                for (; t < batch; t++) {
                    column(out, w, w0, depth, x, cols, k, n, rows, r, t, first);
                }
            }
        }
    }

    private static float[] decodedRows(int length) {
        float[] w = DECODED.get();
        if (w.length < length) {
            w = new float[length];
            DECODED.set(w);
        }
        return w;
    }

    /**
     * Decoded rows {@code r .. r+3} (at {@code w0}, {@code stride} apart in {@code w}) times columns
     * {@code [k, k+n)} of tokens {@code t .. t+3}, with the sixteen sums written out as locals so
     * that they stay in registers; the sums are stored into {@code out}, or added to it after the
     * first slice of columns.
     */
    private static void tile(float[] out, float[] w, int w0, int stride, float[] x, int cols, int k, int n,
                             int rows, int r, int t, boolean first) {
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
        int o0 = t * rows + r;
        store(out, o0, first, c00, c10, c20, c30, w, w0, stride, x, x0, n, j);
        store(out, o0 + rows, first, c01, c11, c21, c31, w, w0, stride, x, x1, n, j);
        store(out, o0 + 2 * rows, first, c02, c12, c22, c32, w, w0, stride, x, x2, n, j);
        store(out, o0 + 3 * rows, first, c03, c13, c23, c33, w, w0, stride, x, x3, n, j);
    }

    /** Decoded rows {@code r .. r+3} times one token, for the tokens left over after the last whole tile. */
    private static void column(float[] out, float[] w, int w0, int stride, float[] x, int cols, int k, int n,
                               int rows, int r, int t, boolean first) {
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
        store(out, t * rows + r, first, c0, c1, c2, c3, w, w0, stride, x, x0, n, j);
    }

    /**
     * Sums the lanes of one token's four row sums, with the columns from {@code j} on that did not
     * fill a vector, into {@code out[at .. at+3]}.
     */
    private static void store(float[] out, int at, boolean first, FloatVector c0, FloatVector c1, FloatVector c2,
                              FloatVector c3, float[] w, int w0, int stride, float[] x, int x0, int n, int j) {
        float s0 = VectorMath.sum(c0) + tail(w, w0, x, x0, n, j);
        float s1 = VectorMath.sum(c1) + tail(w, w0 + stride, x, x0, n, j);
        float s2 = VectorMath.sum(c2) + tail(w, w0 + 2 * stride, x, x0, n, j);
        float s3 = VectorMath.sum(c3) + tail(w, w0 + 3 * stride, x, x0, n, j);
        if (first) {
            out[at] = s0;
            out[at + 1] = s1;
            out[at + 2] = s2;
            out[at + 3] = s3;
        } else {
            out[at] += s0;
            out[at + 1] += s1;
            out[at + 2] += s2;
            out[at + 3] += s3;
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
