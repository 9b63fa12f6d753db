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
 * The prefill product of one 64-token batch with a weight matrix (2048 × 2048 by default, the
 * shape of a 1B model's attention projections) on one thread: {@code 2 × rows × cols × batch /
 * score} is the arithmetic rate. Run with {@code scripts/kernel-benchmarks.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class BatchedMatmulBenchmark {

    @Param({"F32", "F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    public String type;

    @Param("2048")
    public int rows;

    @Param("2048")
    public int cols;

    @Param("64")
    public int batch;

    private Arena arena;
    private CpuKernels kernels;
    private Tensor weights;
    private float[] x;
    private float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(9);
        arena = Arena.ofShared();
        weights = RandomWeights.matrix(TensorType.valueOf(type), rows, cols, random, arena);
        x = RandomWeights.activations(batch * cols, random);
        out = new float[batch * rows];
        kernels = new CpuKernels(1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernels.close();
        arena.close();
    }

    @Benchmark
    public float[] matmul() {
        kernels.matmul(out, weights, x, rows, cols, batch);
        return out;
    }
}
