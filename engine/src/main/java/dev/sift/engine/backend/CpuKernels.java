package dev.sift.engine.backend;

import dev.sift.engine.tensor.Tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * The CPU math of the forward pass: matrix-vector products split by rows over a persistent worker
 * pool, and the small element-wise kernels. One instance is shared by every session of a model.
 */
public final class CpuKernels implements AutoCloseable {

    /** Below this many multiply-adds a matmul runs on the calling thread; forking costs more. */
    private static final long PARALLEL_THRESHOLD = 1 << 15;

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
        parallelFor(rows, i -> out[i] = weights.dot((long) i * cols, x, 0, cols));
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
