package dev.sift.engine.calibration;

import dev.sift.engine.backend.CpuKernels;
import dev.sift.engine.eval.NeedleTask;
import dev.sift.engine.generation.LoadedModel;
import dev.sift.engine.kv.Budget;
import dev.sift.engine.kv.CompressionMethodKind;
import dev.sift.engine.kv.CompressionOptions;
import dev.sift.engine.kv.Compressor;
import dev.sift.engine.kv.KvCache;
import dev.sift.engine.kv.QueryWindow;
import dev.sift.engine.kv.SrhProfile;
import dev.sift.engine.model.DecoderSequence;
import dev.sift.engine.model.LlamaWeights;
import dev.sift.engine.model.ModelConfig;
import dev.sift.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Calibrates SRH compression for one model (CompressKV's offline steps), producing its
 * {@link SrhProfile}:
 *
 * <ol>
 * <li><b>Retrieval heads.</b> Every needle is hidden at every depth of a haystack of every length;
 * the model reads the haystack and the needle's question and answers greedily. At each answering
 * step, every (layer, query head) scores its attention row ({@link RetrievalScore}); a run whose
 * answer reaches a ROUGE-1 recall above {@link CalibrationOptions#minRecall()} adds its per-head
 * sums, and a head's score is the mean over those runs. Each layer ranks its heads by score.</li>
 * <li><b>Layer budgets.</b> On the same prompts, the cache the top retrieval heads would keep at the
 * probe budget is chosen (without dropping anything), then the model generates with the full cache
 * for {@link CalibrationOptions#probeTokens()} steps. At each step and layer the attention output
 * (after the output projection) is computed twice from the recorded query, over the full cache
 * ({@code O}) and over the chosen entries plus everything generated since ({@code Ô}), and
 * {@code ‖Ô − O‖ / ‖O‖} is added to the layer's error. Generation always continues on the full
 * cache, so errors do not compound. The layers' errors, normalised to sum to 1, set their budgets.</li>
 * </ol>
 *
 * <p>Everything is computed from the recorded queries and the cache, outside the forward pass. Runs
 * on whatever backend the model uses, but reads the cache entry by entry, so the CPU is the fast one.
 */
public final class SrhCalibrator {

    /** The two phases, as {@link Progress} names them. */
    public static final String HEADS = "retrieval heads";
    public static final String LAYERS = "layer errors";

    /**
     * Where a calibration stands.
     *
     * @param phase     {@link #HEADS} or {@link #LAYERS}
     * @param done      runs finished in this phase
     * @param total     runs in this phase
     * @param retrieved runs so far whose answer passed the recall threshold
     */
    public record Progress(String phase, int done, int total, int retrieved) {
    }

    private final LoadedModel model;
    private final CalibrationOptions options;
    private final ModelConfig config;
    /** Each layer's attention output projection. */
    private final Tensor[] outputProjections;

    /** @throws IllegalArgumentException if the model has fewer query heads than {@code options.topHeads()} */
    public SrhCalibrator(LoadedModel model, CalibrationOptions options) {
        this.model = model;
        this.options = options;
        this.config = model.config();
        if (options.topHeads() > config.heads()) {
            throw new IllegalArgumentException("top heads " + options.topHeads() + " is more than the model's "
                    + config.heads() + " query heads per layer");
        }
        this.outputProjections = Arrays.stream(LlamaWeights.bind(model.file(), config).layers())
                .map(LlamaWeights.Layer::wo).toArray(Tensor[]::new);
    }

    /**
     * Runs both phases.
     *
     * @param progress receives the state after every run
     * @throws IllegalArgumentException if a prompt of the grid does not fit in the context, or none is
     *                                  longer than the probe budget
     * @throws IllegalStateException    if no run retrieved its needle
     */
    public SrhProfile calibrate(Consumer<Progress> progress) {
        List<NeedleTask.Case> cases = grid();
        double[][] sums = new double[config.layers()][config.heads()];
        int retrieved = 0;
        for (int i = 0; i < cases.size(); i++) {
            if (retrieve(cases.get(i), sums)) {
                retrieved++;
            }
            progress.accept(new Progress(HEADS, i + 1, cases.size(), retrieved));
        }
        if (retrieved == 0) {
            throw new IllegalStateException("none of the " + cases.size() + " needle runs answered with a ROUGE-1 recall"
                    + " above " + options.minRecall() + ": the model does not copy these needles; try needles it can"
                    + " copy, shorter haystacks or nearer depths");
        }
        List<SrhProfile.Layer> ranked = new ArrayList<>();
        double[] uniform = new double[config.layers()];
        Arrays.fill(uniform, 1.0 / config.layers());
        for (int l = 0; l < config.layers(); l++) {
            ranked.add(new SrhProfile.Layer(rank(sums[l], retrieved), uniform[l]));
        }
        SrhProfile.Calibration settings = settings(cases.size(), retrieved);
        SrhProfile heads = new SrhProfile(model.identity(), options.topHeads(), ranked, settings);

        double[] errors = new double[config.layers()];
        for (int i = 0; i < cases.size(); i++) {
            probe(cases.get(i), heads, errors);
            progress.accept(new Progress(LAYERS, i + 1, cases.size(), retrieved));
        }
        double total = Arrays.stream(errors).sum();
        List<SrhProfile.Layer> layers = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            layers.add(new SrhProfile.Layer(ranked.get(l).heads(), errors[l] / total));
        }
        return new SrhProfile(model.identity(), options.topHeads(), layers, settings);
    }

    /** Every needle at every depth of every length, checked to fit in the context. */
    private List<NeedleTask.Case> grid() {
        List<NeedleTask.Case> cases = new ArrayList<>();
        int longest = 0;
        for (int length : options.lengths()) {
            for (NeedleTask.Case c : options.needles().cases(model.tokenizer(), length, options.depths())) {
                int prompt = c.context().length + c.question().length;
                int generated = Math.max(c.answer().length, options.probeTokens());
                if (prompt + generated > model.contextLength()) {
                    throw new IllegalArgumentException("a haystack of " + length + " tokens makes a " + prompt
                            + "-token prompt, which with " + generated + " generated tokens does not fit in the context of "
                            + model.contextLength() + "; use shorter lengths or a longer context");
                }
                longest = Math.max(longest, prompt);
                cases.add(c);
            }
        }
        int budget = ((Budget.Tokens) options.probe().budget()).count();
        if (longest <= budget) {
            throw new IllegalArgumentException("no calibration prompt is longer than the probe budget of " + budget
                    + " tokens, so nothing would be evicted; use longer haystacks or a smaller probe budget");
        }
        return cases;
    }

    /**
     * One needle run: the model answers greedily; every head's step scores are summed and, if the
     * answer reaches the recall threshold, added to {@code sums}.
     *
     * @return whether the answer reached the threshold
     */
    private boolean retrieve(NeedleTask.Case c, double[][] sums) {
        int[] prompt = concat(c.context(), c.question());
        int steps = c.answer().length;
        int[] tokens = Arrays.copyOf(prompt, prompt.length + steps);
        double[][] run = new double[config.layers()][config.heads()];
        try (DecoderSequence sequence = model.newSequence(tokens.length)) {
            QueryWindow queries = sequence.recordQueries(1);
            float[] logits = feed(sequence, prompt);
            for (int t = 0; t < steps; t++) {
                int next = argmax(logits);
                // The query of the last token read is the one that chose `next`.
                for (int l = 0; l < config.layers(); l++) {
                    float[] q = queries.queries(l, queries.size(l) - 1);
                    for (int h = 0; h < config.heads(); h++) {
                        float[] attention = attention(sequence.kvCache(), l, h, q, null);
                        run[l][h] += options.score().step(attention, tokens, c.needleStart(), c.needleEnd(), next);
                    }
                }
                tokens[prompt.length + t] = next;
                if (t + 1 < steps) {
                    logits = sequence.forward(next, prompt.length + t);
                }
            }
        }
        String answer = model.tokenizer().decode(Arrays.copyOfRange(tokens, prompt.length, tokens.length));
        if (rouge1Recall(c.needle().answer(), answer) <= options.minRecall()) {
            return false;
        }
        for (int l = 0; l < config.layers(); l++) {
            for (int h = 0; h < config.heads(); h++) {
                sums[l][h] += run[l][h];
            }
        }
        return true;
    }

    /**
     * Adds one prompt's eviction error per layer to {@code errors}: the full cache against what the
     * retrieval heads of {@code heads} keep at the probe budget, over {@code probeTokens} greedy steps.
     */
    private void probe(NeedleTask.Case c, SrhProfile heads, double[] errors) {
        int[] prompt = concat(c.context(), c.question());
        int steps = options.probeTokens();
        CompressionOptions probe = options.probe().withMethod(CompressionMethodKind.SRH_UNIFORM).withProfile(heads);
        try (DecoderSequence sequence = model.newSequence(prompt.length + steps)) {
            QueryWindow queries = sequence.recordQueries(probe.window());
            float[] logits = feed(sequence, prompt);
            KvCache cache = sequence.kvCache();
            int[][][] selected = new Compressor(probe, prompt.length).selection(cache, queries, null);
            if (selected == null) {
                return;
            }
            // The entries each (layer, KV head) would keep, by position; tokens generated later are always kept.
            boolean[][][] kept = new boolean[config.layers()][config.kvHeads()][prompt.length + steps];
            for (int l = 0; l < config.layers(); l++) {
                for (int g = 0; g < config.kvHeads(); g++) {
                    boolean[] keep = kept[l][g];
                    if (selected[l][g] == null) {
                        Arrays.fill(keep, true);
                    } else {
                        Arrays.fill(keep, prompt.length, keep.length, true);
                        for (int entry : selected[l][g]) {
                            keep[entry] = true;
                        }
                    }
                }
            }
            for (int t = 0; t < steps; t++) {
                logits = sequence.forward(argmax(logits), prompt.length + t);
                for (int l = 0; l < config.layers(); l++) {
                    float[] q = queries.queries(l, queries.size(l) - 1);
                    errors[l] += relativeError(layerOutput(cache, l, q, null), layerOutput(cache, l, q, kept[l]));
                }
            }
        }
    }

    /**
     * A layer's attention output for one token, after the output projection.
     *
     * @param keep per KV head, which entries attention may read; {@code null}: all
     */
    private float[] layerOutput(KvCache cache, int layer, float[] q, boolean[][] keep) {
        int headDim = config.headDim();
        float[] heads = new float[config.heads() * headDim];
        for (int h = 0; h < config.heads(); h++) {
            int g = h / config.groupSize();
            float[] weights = attention(cache, layer, h, q, keep == null ? null : keep[g]);
            for (int e = 0; e < weights.length; e++) {
                if (weights[e] != 0) {
                    cache.addWeightedValue(layer, g, e, weights[e], heads, h * headDim);
                }
            }
        }
        Tensor wo = outputProjections[layer];
        float[] out = new float[config.dim()];
        wo.matvec(out, heads, heads.length, 0, out.length);
        return out;
    }

    /**
     * One query head's attention weights over the entries of its KV head, as the forward pass computes
     * them ({@code softmax(q K^T / √d)}); entries outside {@code keep} get weight 0.
     */
    private float[] attention(KvCache cache, int layer, int queryHead, float[] q, boolean[] keep) {
        int g = queryHead / config.groupSize();
        int n = cache.length(layer, g);
        float scale = (float) (1.0 / Math.sqrt(config.headDim()));
        float[] weights = new float[n];
        for (int e = 0; e < n; e++) {
            weights[e] = keep == null || keep[e]
                    ? cache.keyDot(layer, g, e, q, queryHead * config.headDim()) * scale
                    : Float.NEGATIVE_INFINITY;
        }
        CpuKernels.softmax(weights, n);
        return weights;
    }

    /** Feeds the prompt and returns the logits after its last token. */
    private static float[] feed(DecoderSequence sequence, int[] prompt) {
        float[] logits = null;
        for (int p = 0; p < prompt.length; p++) {
            logits = sequence.forward(prompt[p], p);
        }
        return logits;
    }

    /** Heads best first by mean score over the retrieved runs; ties keep the lower head first. */
    static List<SrhProfile.HeadScore> rank(double[] sums, int runs) {
        return IntStream.range(0, sums.length).mapToObj(h -> new SrhProfile.HeadScore(h, sums[h] / runs))
                .sorted(Comparator.comparingDouble(head -> -head.score()))
                .toList();
    }

    private SrhProfile.Calibration settings(int runs, int retrieved) {
        CompressionOptions probe = options.probe();
        return new SrhProfile.Calibration(options.score().label(),
                options.needles().needles().stream().map(NeedleTask.Needle::sentence).toList(), options.lengths(),
                options.depths(), runs, retrieved, options.minRecall(), ((Budget.Tokens) probe.budget()).count(),
                options.probeTokens(), probe.sinks(), probe.window(), probe.pooling().name().toLowerCase(Locale.ROOT),
                probe.poolingKernel());
    }

    /**
     * ROUGE-1 recall: the share of the reference's words (lower-cased, split at anything but letters
     * and digits) that the candidate contains, each candidate word matching at most once.
     */
    static double rouge1Recall(String reference, String candidate) {
        List<String> expected = words(reference);
        if (expected.isEmpty()) {
            return 0;
        }
        Map<String, Integer> available = new HashMap<>();
        for (String word : words(candidate)) {
            available.merge(word, 1, Integer::sum);
        }
        int matched = 0;
        for (String word : expected) {
            if (available.getOrDefault(word, 0) > 0) {
                available.merge(word, -1, Integer::sum);
                matched++;
            }
        }
        return (double) matched / expected.size();
    }

    private static List<String> words(String text) {
        return Arrays.stream(text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")).filter(w -> !w.isEmpty()).toList();
    }

    /** {@code ‖estimate − exact‖ / (‖exact‖ + 1e-5)}, as CompressKV accumulates it. */
    static double relativeError(float[] exact, float[] estimate) {
        double difference = 0;
        double norm = 0;
        for (int i = 0; i < exact.length; i++) {
            double d = estimate[i] - exact[i];
            difference += d * d;
            norm += (double) exact[i] * exact[i];
        }
        return Math.sqrt(difference) / (Math.sqrt(norm) + 1e-5);
    }

    private static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
