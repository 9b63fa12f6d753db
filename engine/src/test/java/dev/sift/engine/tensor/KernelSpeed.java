package dev.sift.engine.tensor;

import dev.sift.engine.backend.CpuKernels;
import dev.sift.engine.gguf.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A JMH-free microbenchmark (not a test): a matrix-vector product of an FFN-shaped weight matrix
 * with the scalar {@code dot} kernels (one task per row, as before) and the vector ones (one chunk
 * per worker), alternating in one process, on one thread and on all of them. Run it with
 * {@code java --add-modules jdk.incubator.vector -cp <test and main classes> dev.sift.engine.tensor.KernelSpeed [rows cols reps threads]}.
 */
public final class KernelSpeed {

    private KernelSpeed() {
    }

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 8192;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "matrix %d x %d, %d float lanes, %d threads, median of %d%n",
                rows, cols, Simd.LANES, threads, reps);
        System.out.println("type   MB      1t scalar ms  1t vector ms  ratio   Nt scalar ms  Nt vector ms  ratio   Nt vector GB/s");
        SplittableRandom random = new SplittableRandom(3);
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] row = new float[cols];
        try (Arena arena = Arena.ofShared(); CpuKernels kernels = new CpuKernels(threads)) {
            for (TensorType type : new TensorType[] {TensorType.Q8_0, TensorType.Q4_0, TensorType.F16, TensorType.Q4_K,
                    TensorType.Q6_K, TensorType.F32}) {
                long bytesPerRow = type.bytesFor(cols);
                MemorySegment data = arena.allocate(bytesPerRow * rows, 64);
                byte[][] pool = new byte[31][];
                for (int p = 0; p < pool.length; p++) {
                    for (int i = 0; i < cols; i++) {
                        row[i] = (float) random.nextGaussian();
                    }
                    pool[p] = Quantizer.quantize(type, row);
                }
                for (int r = 0; r < rows; r++) {
                    MemorySegment.copy(MemorySegment.ofArray(pool[r % pool.length]), 0, data, r * bytesPerRow, bytesPerRow);
                }
                Tensor tensor = Tensor.of(type, data, (long) rows * cols);
                float[] out = new float[rows];
                double[][] times = new double[4][reps];
                for (int warm = 0; warm < 3; warm++) {
                    scalarSerial(tensor, out, x, rows, cols);
                    vectorSerial(tensor, out, x, rows, cols);
                    kernels.parallelFor(rows, i -> out[i] = VectorKernelsTest.scalarDot(tensor, (long) i * cols, x, 0, cols));
                    kernels.matmul(out, tensor, x, rows, cols);
                }
                for (int rep = 0; rep < reps; rep++) {
                    long t0 = System.nanoTime();
                    scalarSerial(tensor, out, x, rows, cols);
                    long t1 = System.nanoTime();
                    vectorSerial(tensor, out, x, rows, cols);
                    long t2 = System.nanoTime();
                    kernels.parallelFor(rows, i -> out[i] = VectorKernelsTest.scalarDot(tensor, (long) i * cols, x, 0, cols));
                    long t3 = System.nanoTime();
                    kernels.matmul(out, tensor, x, rows, cols);
                    long t4 = System.nanoTime();
                    times[0][rep] = (t1 - t0) / 1e6;
                    times[1][rep] = (t2 - t1) / 1e6;
                    times[2][rep] = (t3 - t2) / 1e6;
                    times[3][rep] = (t4 - t3) / 1e6;
                }
                double s1 = median(times[0]);
                double v1 = median(times[1]);
                double sn = median(times[2]);
                double vn = median(times[3]);
                System.out.printf(Locale.ROOT, "%-6s %-7.1f %-13.2f %-13.2f %-7.2f %-13.2f %-13.2f %-7.2f %.1f%n", type,
                        data.byteSize() / 1e6, s1, v1, s1 / v1, sn, vn, sn / vn, data.byteSize() / vn / 1e6);
            }
        }
    }

    private static void scalarSerial(Tensor tensor, float[] out, float[] x, int rows, int cols) {
        for (int i = 0; i < rows; i++) {
            out[i] = VectorKernelsTest.scalarDot(tensor, (long) i * cols, x, 0, cols);
        }
    }

    private static void vectorSerial(Tensor tensor, float[] out, float[] x, int rows, int cols) {
        for (int i = 0; i < rows; i++) {
            out[i] = tensor.dot((long) i * cols, x, 0, cols);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
