package dev.sift.engine.backend.cuda;

import dev.sift.engine.backend.CpuKernels;
import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.TensorType;
import dev.sift.engine.model.Decoder;
import dev.sift.engine.model.DecoderSequence;
import dev.sift.engine.model.LlamaModel;
import dev.sift.engine.model.LlamaWeights;
import dev.sift.engine.model.ModelConfig;
import dev.sift.engine.model.RopeLayout;
import dev.sift.engine.tensor.Quantizer;
import dev.sift.engine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * Greedy decoding speed on the CPU and the CUDA backend, for the record (not a test):
 *
 * <pre>
 * java ... dev.sift.engine.backend.cuda.CudaSpeedCheck [model.gguf | generated:Q8_0 | generated:Q4_0]...
 * </pre>
 *
 * <p>Each backend decodes up to {@value #TOKENS} tokens greedily from token 1, or stops after
 * {@value #TIME_LIMIT_SECONDS} s; the first token (warm-up) is not timed. {@code generated:TYPE}
 * builds a random model of Llama-3.2-1B's shape (32000-token vocabulary) in memory, the only case
 * here whose numbers say something about real models: the tiny test models are dominated by
 * per-kernel launch overhead on the GPU and fit in the CPU's cache.
 */
public final class CudaSpeedCheck {

    private static final int TOKENS = 128;
    private static final int TIME_LIMIT_SECONDS = 10;

    private CudaSpeedCheck() {
    }

    public static void main(String[] args) throws IOException {
        CudaAvailability availability = CudaAvailability.probe();
        System.out.println("CUDA: " + (availability.available() ? "" : "unavailable: ") + availability.detail());
        System.out.printf("%-32s %-42s %8s %8s %10s  %s%n", "model", "backend", "load s", "tokens", "tokens/s",
                "first greedy tokens");
        for (String model : args) {
            if (model.startsWith("generated:")) {
                TensorType type = TensorType.valueOf(model.substring("generated:".length()));
                ModelConfig config = new ModelConfig("llama", 2048, 16, 32, 8, 64, 8192, 32000, 4096, 1e-5f,
                        500000f, 64, RopeLayout.INTERLEAVED, 1f);
                try (Arena arena = Arena.ofShared()) {
                    long start = System.nanoTime();
                    LlamaWeights weights = randomWeights(config, type, arena);
                    System.out.printf("(%s: random weights made in %.1f s)%n", model, (System.nanoTime() - start) / 1e9);
                    measure(model, config, weights, availability.available());
                }
            } else {
                try (GgufFile file = GgufFile.open(Path.of(model))) {
                    ModelConfig config = ModelConfig.fromGguf(file);
                    measure(Path.of(model).getFileName().toString(), config, LlamaWeights.bind(file, config),
                            availability.available());
                }
            }
        }
    }

    private static void measure(String name, ModelConfig config, LlamaWeights weights, boolean cuda) {
        int[] cpuTokens = run(name, () -> new LlamaModel(weights, config, new CpuKernels(0)), null);
        if (cuda) {
            run(name, () -> new CudaDecoder(weights, config), cpuTokens);
        }
    }

    /** Decodes on one backend and prints a result line; returns the greedy tokens. */
    private static int[] run(String name, Supplier<Decoder> backend, int[] reference) {
        long loadStart = System.nanoTime();
        try (Decoder decoder = backend.get()) {
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            int[] tokens = new int[TOKENS];
            try (DecoderSequence sequence = decoder.newSequence(TOKENS)) {
                int token = 1;
                long start = 0;
                int timed = 0;
                for (int position = 0; position < TOKENS; position++) {
                    token = argmax(sequence.forward(token, position));
                    tokens[position] = token;
                    if (position == 0) {
                        start = System.nanoTime();
                    } else {
                        timed++;
                        if (System.nanoTime() - start > TIME_LIMIT_SECONDS * 1_000_000_000L) {
                            break;
                        }
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                int[] produced = Arrays.copyOf(tokens, timed + 1);
                String agreement = reference == null ? ""
                        : " (" + commonPrefix(produced, reference) + " equal to the CPU's)";
                System.out.printf("%-32s %-42s %8.2f %8d %10.1f  %s%s%n", name, decoder.backendName(), loadSeconds,
                        timed, timed / seconds, Arrays.toString(Arrays.copyOf(produced, Math.min(8, produced.length))),
                        agreement);
                return produced;
            }
        }
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = 0;
        while (n < a.length && n < b.length && a[n] == b[n]) {
            n++;
        }
        return n;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Random weights of {@code type}, scaled by 1/sqrt(row length) so activations stay in range. */
    private static LlamaWeights randomWeights(ModelConfig c, TensorType type, Arena arena) {
        int qDim = c.heads() * c.headDim();
        int kvDim = c.kvHeads() * c.headDim();
        LlamaWeights.Layer[] layers = new LlamaWeights.Layer[c.layers()];
        for (int l = 0; l < layers.length; l++) {
            int seed = 1000 * (l + 1);
            layers[l] = new LlamaWeights.Layer(ones(c.dim()),
                    matrix(type, qDim, c.dim(), seed + 1, arena), matrix(type, kvDim, c.dim(), seed + 2, arena),
                    matrix(type, kvDim, c.dim(), seed + 3, arena), matrix(type, c.dim(), qDim, seed + 4, arena),
                    null, null, null, null, null, ones(c.dim()),
                    matrix(type, c.ffnDim(), c.dim(), seed + 5, arena), matrix(type, c.ffnDim(), c.dim(), seed + 6, arena),
                    matrix(type, c.dim(), c.ffnDim(), seed + 7, arena));
        }
        double[] frequencies = new double[c.ropeDim() / 2];
        for (int i = 0; i < frequencies.length; i++) {
            frequencies[i] = Math.pow(c.ropeTheta(), -2.0 * i / c.ropeDim());
        }
        return new LlamaWeights(matrix(type, c.vocabularySize(), c.dim(), 1, arena), ones(c.dim()),
                matrix(type, c.vocabularySize(), c.dim(), 2, arena), layers, frequencies);
    }

    private static Tensor matrix(TensorType type, int rows, int cols, long seed, Arena arena) {
        long rowBytes = type.bytesFor(cols);
        MemorySegment data = arena.allocate(rowBytes * rows);
        float scale = (float) (1 / Math.sqrt(cols));
        IntStream.range(0, rows).parallel().forEach(r -> {
            SplittableRandom random = new SplittableRandom(seed * 1_000_003L + r);
            float[] row = new float[cols];
            for (int i = 0; i < cols; i++) {
                row[i] = (float) (random.nextDouble() * 2 - 1) * scale;
            }
            MemorySegment.copy(Quantizer.quantize(type, row), 0, data, ValueLayout.JAVA_BYTE, r * rowBytes, (int) rowBytes);
        });
        return Tensor.of(type, data, (long) rows * cols);
    }

    private static Tensor ones(int n) {
        float[] values = new float[n];
        Arrays.fill(values, 1f);
        return Tensor.of(TensorType.F32, MemorySegment.ofArray(Quantizer.toF32(values)), n);
    }
}
