package dev.sift.engine.eval;

import dev.sift.engine.generation.GenerationListener;
import dev.sift.engine.generation.GenerationRequest;
import dev.sift.engine.generation.GenerationResult;
import dev.sift.engine.generation.LoadedModel;
import dev.sift.engine.generation.Session;
import dev.sift.engine.kv.CompressionOptions;
import dev.sift.engine.kv.KvStats;
import dev.sift.engine.sampling.SamplingOptions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Measures what a compression method and budget cost against the full cache: greedy agreement, KL
 * divergence of the next-token distributions, a needle-in-a-haystack score, KV memory and speed.
 *
 * <p>Each prompt becomes a context of at least {@link EvalOptions#contextTokens()} tokens (short
 * prompts are extended with the model's own full-cache greedy continuation) followed by the next
 * {@link EvalOptions#tokens()} tokens of that continuation, the reference. Every run then feeds the
 * context with compression and either generates greedily (agreement, speed, memory) or is
 * teacher-forced on the reference (KL). End-of-generation tokens are ignored so that every run
 * compares the same number of tokens.
 *
 * <pre>{@code
 * EvalReport report = new FidelityHarness(model, EvalOptions.DEFAULTS)
 *         .run(EvalPrompt.load(Path.of("prompts")), NeedleTask.defaults(), row -> { });
 * System.out.print(report.table());
 * }</pre>
 */
public final class FidelityHarness {

    private final LoadedModel model;
    private final EvalOptions options;

    public FidelityHarness(LoadedModel model, EvalOptions options) {
        this.model = model;
        this.options = options;
    }

    /** A context and the full cache's continuation of it. */
    private record Reference(int[] context, int[] continuation, float[][] logits) {
    }

    /**
     * Runs every method and budget on every prompt and needle case.
     *
     * @param onRow receives each row as soon as it is measured (for progress)
     */
    public EvalReport run(List<EvalPrompt> prompts, NeedleTask needles, Consumer<EvalRow> onRow) {
        List<Reference> references = prompts.stream().map(this::reference).toList();
        List<NeedleTask.Case> cases = needles.cases(model.tokenizer(), options.contextTokens(), options.depths());
        List<EvalRow> rows = new ArrayList<>();
        for (CompressionOptions compression : options.runs()) {
            EvalRow row = measure(compression, references, cases);
            onRow.accept(row);
            rows.add(row);
        }
        return new EvalReport(rows);
    }

    private Reference reference(EvalPrompt prompt) {
        int[] tokens = model.tokenizer().encode(prompt.text(), true, false);
        int extension = Math.max(0, options.contextTokens() - tokens.length);
        int[] generated;
        try (Session session = model.newSession()) {
            generated = session.generate(greedy(GenerationRequest.tokens(tokens).withCompression(CompressionOptions.NONE))
                    .withMaxTokens(extension + options.tokens()), GenerationListener.NONE).tokens();
        }
        if (generated.length <= extension) {
            throw new IllegalArgumentException("prompt '" + prompt.name() + "' leaves no room in the model's context for "
                    + (extension + options.tokens()) + " more tokens");
        }
        int[] context = concat(tokens, Arrays.copyOf(generated, extension));
        int[] continuation = Arrays.copyOfRange(generated, extension, generated.length);
        try (Session session = model.newSession()) {
            float[][] logits = session.score(GenerationRequest.tokens(context).withCompression(CompressionOptions.NONE),
                    continuation);
            return new Reference(context, continuation, logits);
        }
    }

    private EvalRow measure(CompressionOptions compression, List<Reference> references, List<NeedleTask.Case> cases) {
        double agreement = 0;
        double kl = 0;
        long kvBytes = 0;
        long storeBytes = 0;
        double ratio = 0;
        double reuse = 0;
        long prefillNanos = 0;
        long decodeNanos = 0;
        long decoded = 0;
        for (Reference reference : references) {
            try (Session session = model.newSession()) {
                long start = System.nanoTime();
                session.score(GenerationRequest.tokens(reference.context()).withCompression(compression), new int[0]);
                long prefilled = System.nanoTime();
                KvStats kv = session.kvStats();
                GenerationResult result = session.generate(greedy(GenerationRequest.tokens().withCompression(compression))
                        .withMaxTokens(reference.continuation().length), GenerationListener.NONE);
                int[] generated = result.tokens();
                decodeNanos += System.nanoTime() - prefilled;
                prefillNanos += prefilled - start;
                decoded += generated.length;
                kvBytes += kv.bytesHeld();
                storeBytes += kv.storeBytes();
                ratio += kv.ratio();
                reuse += result.kv().reuse();
                agreement += agreement(reference.continuation(), generated);
            }
            try (Session session = model.newSession()) {
                float[][] logits = session.score(GenerationRequest.tokens(reference.context()).withCompression(compression),
                        reference.continuation());
                kl += meanKl(reference.logits(), logits);
            }
        }
        double needle = cases.stream().mapToDouble(c -> needle(c, compression)).average().orElse(Double.NaN);
        int n = references.size();
        return new EvalRow(compression, agreement / n, kl / n, needle, kvBytes / n, storeBytes / n, ratio / n, reuse / n,
                prefillNanos / 1e6 / n, decoded / (decodeNanos / 1e9));
    }

    /**
     * Generates as many tokens as the answer has after the question and scores those reproduced.
     * Query-aware, the question is part of the compressed prompt; query-agnostic, the haystack is
     * compressed alone and the question appended uncompressed.
     */
    private double needle(NeedleTask.Case needle, CompressionOptions compression) {
        try (Session session = model.newSession()) {
            GenerationRequest ask;
            if (options.mode() == EvalMode.QUERY_AWARE) {
                ask = GenerationRequest.tokens(concat(needle.context(), needle.question())).withCompression(compression);
            } else {
                session.score(GenerationRequest.tokens(needle.context()).withCompression(compression), new int[0]);
                ask = GenerationRequest.tokens(needle.question()).withCompression(CompressionOptions.NONE);
            }
            int[] answer = session.generate(greedy(ask).withMaxTokens(needle.answer().length), GenerationListener.NONE).tokens();
            return NeedleTask.score(needle.answer(), answer);
        }
    }

    private static GenerationRequest greedy(GenerationRequest request) {
        return request.withSampling(SamplingOptions.GREEDY).withIgnoreEndOfGeneration(true);
    }

    /** Fraction of positions where {@code generated} has the reference's token. */
    static double agreement(int[] reference, int[] generated) {
        int same = 0;
        for (int i = 0; i < Math.min(reference.length, generated.length); i++) {
            if (reference[i] == generated[i]) {
                same++;
            }
        }
        return (double) same / reference.length;
    }

    /** Mean over rows of KL(softmax(p) ‖ softmax(q)), in nats, computed in double. */
    static double meanKl(float[][] p, float[][] q) {
        double sum = 0;
        for (int row = 0; row < p.length; row++) {
            double[] logP = logSoftmax(p[row]);
            double[] logQ = logSoftmax(q[row]);
            double kl = 0;
            for (int i = 0; i < logP.length; i++) {
                kl += Math.exp(logP[i]) * (logP[i] - logQ[i]);
            }
            sum += kl;
        }
        return sum / p.length;
    }

    private static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double sum = 0;
        for (float logit : logits) {
            sum += Math.exp(logit - max);
        }
        double logSum = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] - logSum;
        }
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
