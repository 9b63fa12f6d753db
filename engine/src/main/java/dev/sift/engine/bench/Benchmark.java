package dev.sift.engine.bench;

import dev.sift.engine.backend.CpuKernels;
import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.GgufTensorInfo;
import dev.sift.engine.model.Decoder;
import dev.sift.engine.model.DecoderSequence;
import dev.sift.engine.model.LlamaModel;
import dev.sift.engine.model.LlamaWeights;
import dev.sift.engine.model.ModelConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Measures prefill and decode speed of a GGUF model on the CPU backend: each run feeds
 * {@code promptTokens} pseudo-random token ids into a fresh sequence in batches, as a session feeds
 * a prompt (prefill), then {@code genTokens} more, one forward pass each (decode). Logits are
 * computed after the prompt and for every decoded token, as generation does; sampling and
 * tokenization are not part of the measurement.
 */
public final class Benchmark {

    /**
     * Decoded tokens of the warm-up run that lets the JIT compile the kernels before measuring; its
     * prompt is two full batches (or the measured prompt, if shorter), so that the batched kernels
     * are compiled for the batch size the measured prompt runs in.
     */
    private static final int WARM_UP_TOKENS = 32;

    private Benchmark() {
    }

    /** Runs the benchmark; {@code progress} is told about each finished run. */
    public static BenchResult run(Path model, BenchOptions options, Consumer<String> progress) throws IOException {
        try (GgufFile file = GgufFile.open(model)) {
            ModelConfig config = ModelConfig.fromGguf(file);
            try (Decoder decoder = new LlamaModel(LlamaWeights.bind(file, config), config,
                    new CpuKernels(options.threads()), options.kvPrecision())) {
                return run(decoder, config, weightBytesPerToken(file), options, progress);
            }
        }
    }

    /** Runs the benchmark on a loaded decoder. */
    public static BenchResult run(Decoder decoder, ModelConfig config, long weightBytesPerToken, BenchOptions options,
                                  Consumer<String> progress) {
        int capacity = options.promptTokens() + options.genTokens();
        if (capacity > config.contextLength()) {
            throw new IllegalArgumentException(capacity + " tokens do not fit the model's context of "
                    + config.contextLength());
        }
        SplittableRandom random = new SplittableRandom(options.seed());
        int vocabulary = config.vocabularySize();
        try (DecoderSequence warmUp = decoder.newSequence(capacity)) {
            int prompt = Math.min(options.promptTokens(), 2 * warmUp.batchSize());
            warmUp.forward(random.ints(prompt, 0, vocabulary).toArray(), 0, prompt, 0);
            for (int p = prompt; p < Math.min(capacity, prompt + WARM_UP_TOKENS); p++) {
                warmUp.forward(random.nextInt(vocabulary), p);
            }
        }
        double[] prefill = new double[options.runs()];
        double[] decode = new double[options.runs()];
        for (int run = 0; run < options.runs(); run++) {
            try (DecoderSequence sequence = decoder.newSequence(capacity)) {
                int[] prompt = random.ints(options.promptTokens(), 0, vocabulary).toArray();
                long start = System.nanoTime();
                sequence.forward(prompt, 0, prompt.length, 0);
                long prefilled = System.nanoTime();
                for (int position = prompt.length; position < capacity; position++) {
                    sequence.forward(random.nextInt(vocabulary), position);
                }
                long done = System.nanoTime();
                prefill[run] = options.promptTokens() * 1e9 / (prefilled - start);
                decode[run] = options.genTokens() * 1e9 / (done - prefilled);
                progress.accept(String.format(java.util.Locale.ROOT, "run %d/%d: prefill %.2f tokens/s, decode %.2f tokens/s",
                        run + 1, options.runs(), prefill[run], decode[run]));
            }
        }
        return new BenchResult(decoder.backendName(), options, prefill, decode, weightBytesPerToken);
    }

    /**
     * Bytes of weights one decoded token reads: every tensor once, except the token embedding, of
     * which one row is read, unless it doubles as the output projection (no {@code output.weight}).
     */
    public static long weightBytesPerToken(GgufFile file) {
        boolean tied = file.tensor("output.weight").isEmpty();
        long bytes = 0;
        for (GgufTensorInfo tensor : file.tensors()) {
            if (tensor.name().equals("token_embd.weight") && !tied) {
                bytes += tensor.byteSize() / tensor.dim(1);
            } else {
                bytes += tensor.byteSize();
            }
        }
        return bytes;
    }
}
