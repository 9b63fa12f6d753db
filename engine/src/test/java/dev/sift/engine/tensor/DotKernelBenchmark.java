package dev.sift.engine.tensor;

import dev.sift.engine.gguf.TensorType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The dot-product kernel of every weight type, one thread, over a decode-sized matrix (2048 rows
 * of 2048 by default, off-heap as a mapped file's would be): {@code dot} is one row's vector
 * kernel, {@code dotScalar} the scalar reference it replaced, {@code dequantize} the row
 * decoding the batched prefill product starts from, and {@code matvec} the whole matrix times one
 * vector as decoding computes it (the K-quants work out the input's sums once for all rows, where
 * {@code dot} works them out per row). The score is one pass over the matrix; elements
 * per second are {@code rows × cols / score}. Run with {@code scripts/kernel-benchmarks.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class DotKernelBenchmark {

    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    public String type;

    @Param("2048")
    public int rows;

    @Param("2048")
    public int cols;

    private Arena arena;
    private Tensor weights;
    private float[] x;
    private float[] row;
    private float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(5);
        arena = Arena.ofShared();
        weights = RandomWeights.matrix(TensorType.valueOf(type), rows, cols, random, arena);
        x = RandomWeights.activations(cols, random);
        row = new float[cols];
        out = new float[rows];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float dot() {
        float sum = 0f;
        for (int r = 0; r < rows; r++) {
            sum += weights.dot((long) r * cols, x, 0, cols);
        }
        return sum;
    }

    @Benchmark
    public float[] matvec() {
        weights.matvec(out, x, cols, 0, rows);
        return out;
    }

    @Benchmark
    public float dotScalar() {
        float sum = 0f;
        for (int r = 0; r < rows; r++) {
            sum += VectorKernelsTest.scalarDot(weights, (long) r * cols, x, 0, cols);
        }
        return sum;
    }

    @Benchmark
    public float dequantize() {
        float sum = 0f;
        for (int r = 0; r < rows; r++) {
            weights.dequantize((long) r * cols, row, 0, cols);
            sum += row[r % cols];
        }
        return sum;
    }
}
