package dev.sift.engine.backend;

import dev.sift.engine.tensor.Tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.stream.IntStream;

/**
 * The CPU math of the forward pass: matrix-vector products split by rows over a persistent worker
 * pool, and the small element-wise kernels. One instance is shared by every session of a model.
 */
public final class CpuKernels implements AutoCloseable {

    /** Below this many multiply-adds a matmul runs on the calling thread; forking costs more. */
    private static final long PARALLEL_THRESHOLD = 1 << 15;

    /**
     * {@code -Dsift.kernels=scalar} also restores the one-task-per-row split, so that the code before
     * the vector kernels can be measured side by side with them (see {@code sift bench}).
     */
    private static final boolean ROW_TASKS = "scalar".equals(System.getProperty("sift.kernels"));

    private final ForkJoinPool pool;
    private final int threads;

    /** @param threads worker threads for matrix products; 0 means all available processors */
    public CpuKernels(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be 0 (all cores) or positive, got " + threads);
        }
        this.threads = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        this.pool = new ForkJoinPool(this.threads);
    }

    public int threads() {
        return threads;
    }

    /**
     * {@code out[i] = W[i] · x} for {@code rows} rows of {@code cols} elements; row {@code i} starts at
     * element {@code i * cols} of {@code weights}.
     */
    public void matmul(float[] out, Tensor weights, float[] x, int rows, int cols) {
        if ((long) rows * cols < PARALLEL_THRESHOLD || threads == 1) {
            for (int i = 0; i < rows; i++) {
                out[i] = weights.dot((long) i * cols, x, 0, cols);
            }
            return;
        }
        if (ROW_TASKS) {
            parallelFor(rows, i -> out[i] = weights.dot((long) i * cols, x, 0, cols));
            return;
        }
        pool.invoke(new RowChunks(out, weights, x, cols, 0, rows, Math.min(threads, rows)));
    }

    /**
     * Rows {@code [from, to)} of a matmul split into {@code chunks} contiguous ranges of nearly equal
     * size, one per worker: halved recursively, so a matmul costs about {@code 2 * chunks} small tasks
     * and each worker streams through one contiguous range of the weights.
     */
    private static final class RowChunks extends RecursiveAction {
        private final float[] out;
        private final Tensor weights;
        private final float[] x;
        private final int cols;
        private final int from;
        private final int to;
        private final int chunks;

        RowChunks(float[] out, Tensor weights, float[] x, int cols, int from, int to, int chunks) {
            this.out = out;
            this.weights = weights;
            this.x = x;
            this.cols = cols;
            this.from = from;
            this.to = to;
            this.chunks = chunks;
        }

        @Override
        protected void compute() {
            if (chunks <= 1) {
                for (int i = from; i < to; i++) {
                    out[i] = weights.dot((long) i * cols, x, 0, cols);
                }
                return;
            }
            int leftChunks = chunks / 2;
            int middle = from + (int) ((long) (to - from) * leftChunks / chunks);
            invokeAll(new RowChunks(out, weights, x, cols, from, middle, leftChunks),
                    new RowChunks(out, weights, x, cols, middle, to, chunks - leftChunks));
        }
    }

    /** Runs {@code body} for every index in {@code [0, n)} on the worker pool and waits for all. */
    public void parallelFor(int n, java.util.function.IntConsumer body) {
        pool.submit(() -> IntStream.range(0, n).parallel().forEach(body)).join();
    }

    /** {@code out = x / rms(x) * weight}, with llama.cpp's epsilon placement. */
    public static void rmsNorm(float[] out, float[] x, Tensor weight, int n, float epsilon) {
        float sumOfSquares = 0f;
        for (int i = 0; i < n; i++) {
            sumOfSquares += x[i] * x[i];
        }
        float scale = (float) (1.0 / Math.sqrt(sumOfSquares / n + epsilon));
        for (int i = 0; i < n; i++) {
            out[i] = x[i] * scale * weight.get(i);
        }
    }

    /** In-place softmax over {@code x[0..n)}. */
    public static void softmax(float[] x, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[i]);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < n; i++) {
            x[i] /= sum;
        }
    }

    /** {@code gate[i] = silu(gate[i]) * up[i]}: the SwiGLU activation. */
    public static void swiglu(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    /** {@code x += y}. */
    public static void add(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            x[i] += y[i];
        }
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
