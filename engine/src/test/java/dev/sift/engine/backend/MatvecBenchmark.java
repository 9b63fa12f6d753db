package dev.sift.engine.backend;

import dev.sift.engine.gguf.TensorType;
import dev.sift.engine.tensor.RandomWeights;
import dev.sift.engine.tensor.Tensor;
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
 * The decode product of one token with a weight matrix on the worker pool, as the model runs it:
 * {@code rows × cols / score} is the rate in weights per second. With {@code threads=1} against
 * {@code threads=2} it shows what splitting a product between threads gains; with a matrix larger
 * than the caches, what streaming it from memory costs. Run with {@code scripts/kernel-benchmarks.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class MatvecBenchmark {

    @Param({"Q8_0", "Q4_0"})
    public String type;

    @Param("2048")
    public int rows;

    @Param("2048")
    public int cols;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private CpuKernels kernels;
    private Tensor weights;
    private float[] x;
    private float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(3);
        arena = Arena.ofShared();
        weights = RandomWeights.matrix(TensorType.valueOf(type), rows, cols, random, arena);
        x = RandomWeights.activations(cols, random);
        out = new float[rows];
        kernels = new CpuKernels(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernels.close();
        arena.close();
    }

    @Benchmark
    public float[] matmul() {
        kernels.matmul(out, weights, x, rows, cols);
        return out;
    }
}
