package dev.sift.engine.cli;

import dev.sift.engine.bench.BenchOptions;
import dev.sift.engine.bench.BenchResult;
import dev.sift.engine.bench.Benchmark;
import dev.sift.engine.bench.ModelGenerator;
import dev.sift.engine.bench.ModelShape;
import dev.sift.engine.bench.ReadBandwidth;
import dev.sift.engine.gguf.TensorType;
import dev.sift.engine.kv.KvPrecision;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code sift bench}: measures prefill and decode speed, or writes a random-weight model to measure. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure prefill and decode speed of a model (CPU backend), or with --generate-model write",
                "a random-weight GGUF in a real model's shape to measure, or with --measure-bandwidth the memory",
                "read bandwidth that bounds decoding."})
final class BenchCommand implements Callable<Integer> {

    private static final int BANDWIDTH_RUNS = 5;

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, description = "GGUF model file to measure.")
    Path model;

    @Option(names = "--prompt-tokens", defaultValue = "512", description = "Prompt tokens per run (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--gen-tokens", defaultValue = "128", description = "Decoded tokens per run (default: ${DEFAULT-VALUE}).")
    int genTokens;

    @Option(names = "--threads", defaultValue = "0", description = "Threads for the matrix products, the calling one included; 0 = all processors (default).")
    int threads;

    @Option(names = "--runs", defaultValue = "5", description = "Measured runs (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--bandwidth", description = "Memory read bandwidth in GB/s: also print the fraction of the"
            + " decode speed it allows.")
    Double bandwidth;

    @Option(names = "--measure-bandwidth", description = "Measure the memory read bandwidth with all threads (and,"
            + " with --model, use it as --bandwidth).")
    boolean measureBandwidth;

    @Option(names = "--bandwidth-size", paramLabel = "MiB", defaultValue = "1024",
            description = "Memory the bandwidth probe streams through (default: ${DEFAULT-VALUE} MiB).")
    long bandwidthSize;

    @Option(names = "--generate-model", paramLabel = "OUT.gguf",
            description = "Write a random-weight model here instead of measuring.")
    Path generate;

    @Option(names = "--shape", defaultValue = "llama-3.2-1b",
            description = "Shape to generate: llama-3.2-1b, qwen2.5-0.5b, d1024, tiny or tiny-qwen2"
                    + " (default: ${DEFAULT-VALUE}).")
    String shape;

    @Option(names = "--type", defaultValue = "q8_0",
            description = "Weight type to generate: f32, f16, q8_0, q4_0, q4_k, q6_k (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--kv-type", defaultValue = "f16",
            description = "How the KV cache is stored: f16 or f32 (default: ${DEFAULT-VALUE}).")
    String kvType;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (generate != null) {
            ModelShape modelShape = ModelShape.named(shape);
            TensorType weightType = ModelGenerator.type(type);
            long start = System.nanoTime();
            ModelGenerator.write(generate, modelShape, weightType, seed);
            out.printf(Locale.ROOT, "wrote %s: %s shape, %s, %.2f B parameters in %.1f s%n", generate, modelShape.name(),
                    weightType, modelShape.parameters() / 1e9, (System.nanoTime() - start) / 1e9);
            out.flush();
            return 0;
        }
        if (measureBandwidth) {
            try {
                bandwidth = ReadBandwidth.measure(threads, bandwidthSize << 20, BANDWIDTH_RUNS);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--bandwidth-size: " + e.getMessage());
            }
            out.printf(Locale.ROOT, "read bandwidth: %.1f GB/s (%s streaming %d MiB, median of %d)%n", bandwidth,
                    threads == 0 ? "all threads" : threads == 1 ? "1 thread" : threads + " threads", bandwidthSize,
                    BANDWIDTH_RUNS);
            out.flush();
            if (model == null) {
                return 0;
            }
        }
        if (model == null) {
            throw new ParameterException(spec.commandLine(), "give --model FILE to measure, --generate-model OUT.gguf"
                    + " or --measure-bandwidth");
        }
        BenchOptions options;
        try {
            options = new BenchOptions(promptTokens, genTokens, threads, runs, seed, KvPrecision.parse(kvType));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter err = spec.commandLine().getErr();
        BenchResult result = Benchmark.run(model, options, line -> {
            err.println(line);
            err.flush();
        });
        for (String line : result.lines(bandwidth == null ? Double.NaN : bandwidth)) {
            out.println(line);
        }
        out.flush();
        return 0;
    }
}
