package dev.sift.engine.bench;

import dev.sift.engine.generation.GenerationListener;
import dev.sift.engine.generation.GenerationRequest;
import dev.sift.engine.generation.GenerationResult;
import dev.sift.engine.generation.LoadedModel;
import dev.sift.engine.generation.Session;
import dev.sift.engine.kv.Budget;
import dev.sift.engine.kv.CompressionMethodKind;
import dev.sift.engine.kv.CompressionOptions;
import dev.sift.engine.kv.KvCache;
import dev.sift.engine.model.DecoderSequence;
import dev.sift.engine.model.ForwardingDecoderSequence;
import dev.sift.engine.sampling.SamplingOptions;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * What compression buys at long context: for each context length, the full cache and every method
 * at every budget decode the same number of tokens after the same context, through the public
 * session API (so compression, the sentence store and re-selection run exactly as in use), and each
 * run reports decode speed, the time compression took, KV bytes and peak memory.
 *
 * <p>Running a 32K-token prompt through a 1B model takes hours on a small CPU, and decode speed does
 * not depend on what the cache holds, only on how much. So, unless {@code realPrefillUpTo} covers
 * the context, the first {@code length − window} positions are <em>synthetic</em>: their keys and
 * values are random numbers appended to the cache without a forward pass. The last {@code window}
 * prompt tokens run through the model for real, so the queries that score the cache are real, and
 * compression then runs on the whole cache as it would after a real prefill. Prefill speed itself
 * is what {@code sift bench} measures.
 */
public final class LongContextBenchmark {

    private final LoadedModel model;
    private final LongContextOptions options;

    public LongContextBenchmark(LoadedModel model, LongContextOptions options) {
        this.model = model;
        this.options = options;
    }

    /** Runs every configuration at every context length; {@code progress} gets each row as it is measured. */
    public List<LongContextRow> run(Consumer<LongContextRow> progress) {
        List<LongContextRow> rows = new ArrayList<>();
        // One short run lets the JIT compile the decode path before anything is measured.
        measure(Math.min(256, options.contexts().getFirst()), options.settings());
        for (int context : options.contexts()) {
            for (CompressionOptions compression : configurations(context)) {
                LongContextRow row = measure(context, compression);
                rows.add(row);
                progress.accept(row);
            }
        }
        return rows;
    }

    /** The full cache, then each method at each budget that is smaller than the context. */
    private List<CompressionOptions> configurations(int context) {
        List<CompressionOptions> configurations = new ArrayList<>();
        configurations.add(options.settings().withMethod(CompressionMethodKind.NONE));
        for (CompressionMethodKind method : options.methods()) {
            if (method == CompressionMethodKind.NONE) {
                continue;
            }
            for (Budget budget : options.budgets()) {
                if (budget.resolve(context) < context) {
                    configurations.add(options.settings().withMethod(method).withBudget(budget));
                }
            }
        }
        return configurations;
    }

    private LongContextRow measure(int context, CompressionOptions compression) {
        int window = compression.window();
        boolean real = context <= options.realPrefillUpTo();
        int synthetic = real ? 0 : Math.max(0, context - window);
        SplittableRandom random = new SplittableRandom(options.seed() + context);
        int[] prompt = random.ints(context, 0, model.config().vocabularySize()).toArray();
        GenerationRequest request = GenerationRequest.tokens(prompt).withSampling(SamplingOptions.GREEDY)
                .withMaxTokens(options.genTokens()).withIgnoreEndOfGeneration(true).withCompression(compression);
        System.gc();
        AtomicReference<TimedSequence> wrapped = new AtomicReference<>();
        try (MemoryWatch memory = new MemoryWatch();
             Session session = model.newSession(context + options.genTokens() + 1,
                     sequence -> wrapped.updateAndGet(none -> new TimedSequence(sequence, synthetic, random.split())))) {
            TimedSequence timed = wrapped.get();
            long start = System.nanoTime();
            GenerationResult result = session.generate(request, GenerationListener.NONE);
            long[] decodeStarts = timed.decodeStarts(context);
            double[] intervals = new double[decodeStarts.length - 1];
            for (int i = 1; i < decodeStarts.length; i++) {
                intervals[i - 1] = (decodeStarts[i] - decodeStarts[i - 1]) / 1e9;
            }
            Arrays.sort(intervals);
            double median = intervals.length == 0 ? Double.NaN : intervals[intervals.length / 2];
            long promptEnd = timed.endBefore(context);
            double prefillMs = real ? (promptEnd - start) / 1e6 : Double.NaN;
            double compressMs = decodeStarts.length == 0 ? Double.NaN : (decodeStarts[0] - promptEnd) / 1e6;
            return new LongContextRow(context, compression, real, prefillMs, compressMs, 1 / median,
                    result.kv().bytesHeld(), result.kv().storeBytes(), result.kv().peakBytes(), memory.peakHeap(),
                    memory.peakResident(), result.kv().reuse());
        }
    }

    /**
     * Notes when each forward pass starts and ends, and stands in for the passes of the synthetic
     * positions by appending random keys and values.
     */
    private static final class TimedSequence extends ForwardingDecoderSequence {

        private final int synthetic;
        private final SplittableRandom random;
        private final float[] keys;
        private final float[] values;
        private final float[] noLogits;
        private long[] starts = new long[256];
        private long[] ends = new long[256];
        private int[] positions = new int[256];
        private int count;

        TimedSequence(DecoderSequence sequence, int synthetic, SplittableRandom random) {
            super(sequence);
            this.synthetic = synthetic;
            this.random = random;
            KvCache cache = sequence.kvCache();
            this.keys = new float[cache.kvHeads() * cache.headDim()];
            this.values = new float[keys.length];
            this.noLogits = new float[0];
        }

        @Override
        public float[] forward(int token, int position) {
            return forward(new int[] {token}, 0, 1, position);
        }

        /** Synthetic positions get random keys and values; the rest run through the model, timed per pass. */
        @Override
        public float[] forward(int[] tokens, int from, int to, int position) {
            int real = from;
            for (; real < to && position + real - from < synthetic; real++) {
                appendRandom(position + real - from);
            }
            if (real == to) {
                return noLogits;
            }
            if (count == starts.length) {
                starts = Arrays.copyOf(starts, count * 2);
                ends = Arrays.copyOf(ends, count * 2);
                positions = Arrays.copyOf(positions, count * 2);
            }
            starts[count] = System.nanoTime();
            positions[count] = position + to - 1 - from;
            float[] logits = delegate().forward(tokens, real, to, position + real - from);
            ends[count++] = System.nanoTime();
            return logits;
        }

        private void appendRandom(int position) {
            KvCache cache = kvCache();
            for (int layer = 0; layer < cache.layers(); layer++) {
                for (int i = 0; i < keys.length; i++) {
                    keys[i] = (float) (random.nextDouble() * 2 - 1);
                    values[i] = (float) (random.nextDouble() * 2 - 1);
                }
                cache.append(layer, position, keys, values);
            }
        }

        /** Start times of the forward passes whose last position is {@code from} or after: the generated tokens. */
        long[] decodeStarts(int from) {
            int first = 0;
            while (first < count && positions[first] < from) {
                first++;
            }
            return Arrays.copyOfRange(starts, first, count);
        }

        /** When the last forward pass ending before {@code position} ended. */
        long endBefore(int position) {
            int last = count - 1;
            while (last > 0 && positions[last] >= position) {
                last--;
            }
            return ends[last];
        }
    }

    /** Samples the JVM heap in use and the process's resident memory every few milliseconds, keeping the peaks. */
    private static final class MemoryWatch implements AutoCloseable {

        private static final Path STATUS = Path.of("/proc/self/status");

        private volatile boolean running = true;
        private volatile long peakHeap;
        private volatile long peakResident = -1;
        private final Thread thread;

        MemoryWatch() {
            thread = Thread.ofPlatform().daemon().name("sift-memory-watch").start(() -> {
                while (running) {
                    sample();
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        private void sample() {
            peakHeap = Math.max(peakHeap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            peakResident = Math.max(peakResident, residentBytes());
        }

        /** VmRSS from {@code /proc/self/status}; -1 where there is none (not Linux). */
        private static long residentBytes() {
            try {
                for (String line : Files.readAllLines(STATUS)) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                    }
                }
            } catch (IOException | RuntimeException e) {
                return -1;
            }
            return -1;
        }

        long peakHeap() {
            sample();
            return peakHeap;
        }

        long peakResident() {
            return peakResident;
        }

        @Override
        public void close() {
            running = false;
            thread.interrupt();
        }
    }
}
