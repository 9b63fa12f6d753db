package dev.sift.engine.backend;

import dev.sift.engine.tensor.Scratch;
import dev.sift.engine.tensor.Tensor;
import dev.sift.engine.tensor.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * The CPU math of the forward pass: matrix-vector products split by rows over a persistent worker
 * pool ({@link WorkerPool}), and the small element-wise kernels. One instance is shared by every
 * session of a model.
 */
public final class CpuKernels implements AutoCloseable {

    /** Below this many multiply-adds a matmul runs on the calling thread; forking costs more. */
    private static final long PARALLEL_THRESHOLD = 1 << 15;
    private static final VectorSpecies<Float> F = VectorMath.F;

    /**
     * {@code -Dsift.kernels=scalar} also restores the one-task-per-row split, so that the code before
     * the vector kernels can be measured side by side with them (see {@code sift bench}).
     */
    private static final boolean ROW_TASKS = "scalar".equals(System.getProperty("sift.kernels"));

    /** Rows per task of a batched matmul: a multiple of {@link TiledMatmul#COLUMN_ROWS}. */
    private static final int BATCH_TASK_ROWS = 16;

    /**
     * Row ranges per thread of a matrix-vector product: each thread streams contiguous rows, and a
     * thread slowed down (by another process on its core) leaves its later ranges to the others.
     */
    private static final int CHUNKS_PER_THREAD = 4;

    /** The most queries {@link #keyScores} takes at a time: one sum register each. */
    public static final int KEY_SCORE_QUERIES = 4;

    /** Columns transposed together by {@link #transpose}: one cache line of each row's. */
    private static final int TRANSPOSE_COLUMNS = 16;

    /** Each thread's output of {@link #transpose}. */
    private static final ThreadLocal<float[]> TRANSPOSED = ThreadLocal.withInitial(() -> new float[0]);

    /** Each thread's {@code e^-gate} for {@link #swiglu}, grown to the widest FFN seen. */
    private static final ThreadLocal<float[]> SWIGLU_SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    private final WorkerPool pool;

    /** @param threads threads for matrix products, the calling one included; 0 means all available processors */
    public CpuKernels(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be 0 (all cores) or positive, got " + threads);
        }
        this.pool = new WorkerPool(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads);
    }

    public int threads() {
        return pool.threads();
    }

    /**
     * {@code out[i] = W[i] · x} for {@code rows} rows of {@code cols} elements; row {@code i} starts at
     * element {@code i * cols} of {@code weights}.
     */
    public void matmul(float[] out, Tensor weights, float[] x, int rows, int cols) {
        if ((long) rows * cols < PARALLEL_THRESHOLD || threads() == 1) {
            rows(out, weights, x, cols, 0, rows);
            return;
        }
        if (ROW_TASKS) {
            parallelFor(rows, i -> out[i] = weights.dot((long) i * cols, x, 0, cols));
            return;
        }
        int chunks = Math.min(rows, threads() * CHUNKS_PER_THREAD);
        parallelFor(chunks, chunk -> rows(out, weights, x, cols,
                (int) ((long) rows * chunk / chunks), (int) ((long) rows * (chunk + 1) / chunks)));
    }

    private static void rows(float[] out, Tensor weights, float[] x, int cols, int from, int to) {
        weights.matvec(out, x, cols, from, to);
    }

    /**
     * {@code out[t * rows + i] = W[i] · x[t * cols ..]} for the {@code batch} tokens whose activations
     * lie one after another in {@code x}: the matrix-matrix product of a prompt batch. Each task takes
     * {@link #BATCH_TASK_ROWS} rows, decodes them once and multiplies them with the whole batch (see
     * {@link TiledMatmul}); small tasks let idle workers take over the share of a busy one. A token's
     * sums do not depend on the batch it is in (nor on how rows are split between workers), so a
     * prompt gives the same activations whatever batches it is fed in; they differ from the
     * matrix-vector kernels' in the last bits.
     */
    public void matmul(float[] out, Tensor weights, float[] x, int rows, int cols, int batch) {
        int tasks = (rows + BATCH_TASK_ROWS - 1) / BATCH_TASK_ROWS;
        float[] xt = transpose(x, cols, batch);
        parallelFor(tasks, task -> TiledMatmul.rows(out, weights, xt, rows, cols, batch,
                task * BATCH_TASK_ROWS, Math.min(rows, (task + 1) * BATCH_TASK_ROWS)));
    }

    /** {@code n} rounded up to a whole number of vectors of {@link VectorMath#F}. */
    public static int wholeVectors(int n) {
        return Math.ceilDiv(n, F.length()) * F.length();
    }

    /**
     * {@code rows} rows of {@code cols} floats transposed into this thread's scratch, which stays
     * valid until the thread's next call: {@code out[j * wholeVectors(rows) + r] = x[r * cols + j]},
     * so that a vector holds one column of consecutive rows; the padding rows are zero. A prompt
     * batch (rows = tokens) for {@link TiledMatmul}, a KV head's keys (rows = entries) for
     * {@link #keyScores}.
     */
    public static float[] transpose(float[] x, int cols, int rows) {
        int width = wholeVectors(rows);
        float[] out = Scratch.atLeast(TRANSPOSED, cols * width);
        // A few columns at a time, row after row: reading one column straight down would step a
        // whole row at a time, always onto the same cache set.
        for (int j0 = 0; j0 < cols; j0 += TRANSPOSE_COLUMNS) {
            int j1 = Math.min(cols, j0 + TRANSPOSE_COLUMNS);
            for (int r = 0; r < rows; r++) {
                for (int j = j0; j < j1; j++) {
                    out[j * width + r] = x[r * cols + j];
                }
            }
        }
        for (int j = 0; j < cols; j++) {
            Arrays.fill(out, j * width + rows, (j + 1) * width, 0f);
        }
        return out;
    }

    /** Runs {@code body} for every index in {@code [0, n)} on the worker pool and waits for all. */
    public void parallelFor(int n, IntConsumer body) {
        pool.run(n, body);
    }

    /**
     * Attention scores of up to {@link #KEY_SCORE_QUERIES} queries against {@code entries} keys given transposed,
     * {@code keys[d * stride + e]} for dimension {@code d} of entry {@code e}: {@code outs[outsFrom + i][e]
     * = query[queryOffset + i * headDim ..] · key e} for {@code i < queries} (the keys as
     * {@link #transpose} gives them). Lanes hold 16 entries
     * (one vector), each query's element is broadcast, and a score is its products added in
     * dimension order, so no lanes are added across. The scores of the entries up to the next
     * whole vector are written too: {@code outs} rows and {@code keys} rows must hold them
     * ({@code stride} at least {@code entries} rounded up to the vector length).
     */
    public static void keyScores(float[] keys, int stride, int headDim, int entries, float[] query, int queryOffset,
                                 int queries, float[][] outs, int outsFrom) {
        if (queries < 1 || queries > KEY_SCORE_QUERIES) {
            throw new IllegalArgumentException("1 to " + KEY_SCORE_QUERIES + " queries at a time, got " + queries);
        }
        // Missing queries repeat the last one; their scores are computed and not stored.
        int q0 = queryOffset;
        int q1 = queryOffset + Math.min(1, queries - 1) * headDim;
        int q2 = queryOffset + Math.min(2, queries - 1) * headDim;
        int q3 = queryOffset + Math.min(3, queries - 1) * headDim;
        for (int e = 0; e < entries; e += F.length()) {
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = FloatVector.zero(F);
            FloatVector s2 = FloatVector.zero(F);
            FloatVector s3 = FloatVector.zero(F);
            for (int d = 0, k = e; d < headDim; d++, k += stride) {
                FloatVector key = FloatVector.fromArray(F, keys, k);
                s0 = FloatVector.broadcast(F, query[q0 + d]).fma(key, s0);
                s1 = FloatVector.broadcast(F, query[q1 + d]).fma(key, s1);
                s2 = FloatVector.broadcast(F, query[q2 + d]).fma(key, s2);
                s3 = FloatVector.broadcast(F, query[q3 + d]).fma(key, s3);
            }
            s0.intoArray(outs[outsFrom], e);
            if (queries > 1) {
                s1.intoArray(outs[outsFrom + 1], e);
            }
            if (queries > 2) {
                s2.intoArray(outs[outsFrom + 2], e);
            }
            if (queries > 3) {
                s3.intoArray(outs[outsFrom + 3], e);
            }
        }
    }

    /** {@code out = x / rms(x) * weight}, with llama.cpp's epsilon placement. */
    public static void rmsNorm(float[] out, float[] x, Tensor weight, int n, float epsilon) {
        rmsNorm(out, 0, x, 0, weight, n, epsilon);
    }

    /** {@link #rmsNorm(float[], float[], Tensor, int, float)} of {@code x[xOffset ..]} into {@code out[outOffset ..]}. */
    public static void rmsNorm(float[] out, int outOffset, float[] x, int xOffset, Tensor weight, int n, float epsilon) {
        float sumOfSquares = 0f;
        for (int i = 0; i < n; i++) {
            sumOfSquares += x[xOffset + i] * x[xOffset + i];
        }
        float scale = (float) (1.0 / Math.sqrt(sumOfSquares / n + epsilon));
        for (int i = 0; i < n; i++) {
            out[outOffset + i] = x[xOffset + i] * scale * weight.get(i);
        }
    }

    /** {@code x[0..n) *= factor}. */
    public static void scale(float[] x, int n, float factor) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, i).mul(factor).intoArray(x, i);
        }
        for (; i < n; i++) {
            x[i] *= factor;
        }
    }

    /**
     * In-place softmax over {@code x[0..n)}, exponentials in vector lanes ({@link VectorMath#exp}); the
     * lanes past the last whole vector are masked rather than done one by one, so every element gets
     * the same exponential wherever it falls.
     *
     * <p>A running vector (the maxima, the sums) is always the <em>argument</em> of the next
     * operation, never its receiver: the JIT types a loop's running value by the call-site profile,
     * and when that profile was thin it left {@code maxes.max(v)} as a call into the Vector API's
     * scalar fallback, and decoding ran a third slower than with the same code compiled earlier.
     */
    public static void softmax(float[] x, int n) {
        float max = max(x, n);
        float sum = VectorMath.exp(x, x, n, 1f, max);
        divide(x, n, sum);
    }

    private static float max(float[] x, int n) {
        int upper = F.loopBound(n);
        FloatVector maxes = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < upper; i += F.length()) {
            maxes = FloatVector.fromArray(F, x, i).max(maxes);
        }
        VectorMask<Float> tail = F.indexInRange(upper, n);
        maxes = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY).blend(FloatVector.fromArray(F, x, upper, tail), tail)
                .max(maxes);
        return maxes.reduceLanes(VectorOperators.MAX);
    }

    private static void divide(float[] x, int n, float divisor) {
        int upper = F.loopBound(n);
        for (int i = 0; i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, i).div(divisor).intoArray(x, i);
        }
        VectorMask<Float> tail = F.indexInRange(upper, n);
        FloatVector.fromArray(F, x, upper, tail).div(divisor).intoArray(x, upper, tail);
    }

    /**
     * {@code gate[i] = silu(gate[i]) * up[i]}: the SwiGLU activation, {@code silu(g) = g / (1 + e^-g)},
     * the exponentials from {@link VectorMath#exp} into a per-thread scratch, the last partial vector
     * masked as in {@link #softmax}.
     */
    public static void swiglu(float[] gate, float[] up, int n) {
        float[] negativeExp = Scratch.atLeast(SWIGLU_SCRATCH, n);
        VectorMath.exp(gate, negativeExp, n, -1f, 0f);
        for (int i = 0; i < n; i += F.length()) {
            VectorMask<Float> lanes = F.indexInRange(i, n);
            FloatVector g = FloatVector.fromArray(F, gate, i, lanes);
            g.div(FloatVector.fromArray(F, negativeExp, i, lanes).add(1f)).mul(FloatVector.fromArray(F, up, i, lanes))
                    .intoArray(gate, i, lanes);
        }
    }

    /** {@code x += y}. */
    public static void add(float[] x, float[] y, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, i).add(FloatVector.fromArray(F, y, i)).intoArray(x, i);
        }
        for (; i < n; i++) {
            x[i] += y[i];
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
