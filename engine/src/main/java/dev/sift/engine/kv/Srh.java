package dev.sift.engine.kv;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

/**
 * CompressKV (Lin et al., "CompressKV: Semantic Retrieval Heads Know What Tokens are Not Important
 * Before Generation", arXiv 2508.02401): only a layer's <em>semantic retrieval heads</em> (SRHs), the query
 * heads that attend to a fact when the model reproduces it, decide what the layer keeps, and each
 * layer's budget follows how much evicting hurts its output. Both come from a calibrated
 * {@link SrhProfile} ({@code sift calibrate}).
 *
 * <p>Scores: the observation-window attention ({@link CompressionContext#queryHeadScore}) of the
 * profile's top {@link SrhProfile#topHeads()} SRHs of the layer, each read against its own KV head
 * and pooled, averaged over those heads. In the paper's {@link Selection#LAYER} mode that one vector
 * chooses for every KV head of the layer, so they all keep the same tokens (entries are matched by
 * position, so this holds even for KV heads an earlier compression left different). In
 * {@link Selection#KV_HEAD} mode each KV head listens to the SRHs of its own group, and a group with
 * none among the top heads follows the layer's vote.
 *
 * <p>Budgets: proportional to the profile's per-layer eviction error, at least
 * {@value #MIN_LAYER_BUDGET} tokens (raised to sinks + window when those are more, lowered to the
 * budget when it is less) and at most {@value #MAX_BUDGET_FACTOR}× the average (and what a layer
 * holds), summing to exactly layers × budget ({@link LayerBudgets#proportional}); or uniform.
 *
 * <p>Without a profile every query head counts as an SRH and budgets are uniform (a layer-shared
 * SnapKV), with one logged warning.
 */
final class Srh implements CompressionMethod {

    /** How the token set is chosen. */
    enum Selection {
        /** One token set per layer, shared by all its KV heads (the paper). */
        LAYER,
        /** Each KV head keeps what the SRHs of its own group attend to. */
        KV_HEAD
    }

    /** The paper's floor on a layer's budget, in tokens. */
    static final int MIN_LAYER_BUDGET = 32;
    /** The paper's ceiling on a layer's budget, as a multiple of the average. */
    static final int MAX_BUDGET_FACTOR = 3;

    private static final System.Logger LOG = System.getLogger(Srh.class.getName());
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private final Selection selection;
    private final boolean calibratedBudgets;

    /**
     * @param calibratedBudgets per-layer budgets from the profile's eviction errors; false: uniform
     */
    Srh(Selection selection, boolean calibratedBudgets) {
        this.selection = selection;
        this.calibratedBudgets = calibratedBudgets;
    }

    @Override
    public float[][] scores(CompressionContext context) {
        int[] heads = retrievalHeads(context);
        float[] layerVote = null;
        float[][] scores = new float[context.kvHeads()][];
        for (int g = 0; g < scores.length; g++) {
            int group = g;
            int[] own = selection == Selection.KV_HEAD
                    ? IntStream.of(heads).filter(h -> context.kvHeadOf(h) == group).toArray()
                    : new int[0];
            float[] byPosition;
            if (own.length > 0) {
                byPosition = vote(context, own);
            } else {
                if (layerVote == null) {
                    layerVote = vote(context, heads);
                }
                byPosition = layerVote;
            }
            scores[g] = new float[context.candidates(g)];
            for (int entry = 0; entry < scores[g].length; entry++) {
                scores[g][entry] = byPosition[context.position(g, entry)];
            }
        }
        return scores;
    }

    /** The layer's top SRHs from the profile, or every query head without one. */
    private static int[] retrievalHeads(CompressionContext context) {
        SrhProfile profile = context.options().profile();
        if (profile == null) {
            return IntStream.range(0, context.queryHeads()).toArray();
        }
        if (profile.model().heads() != context.queryHeads()) {
            throw new IllegalArgumentException("the SRH profile is for a model with " + profile.model().heads()
                    + " query heads, this one has " + context.queryHeads());
        }
        return profile.retrievalHeads(context.layer());
    }

    /**
     * The mean of the given heads' pooled window scores, indexed by token position (a position
     * a head's KV head no longer holds counts as 0 for that head).
     */
    private static float[] vote(CompressionContext context, int[] heads) {
        int positions = 0;
        for (int g = 0; g < context.kvHeads(); g++) {
            for (int entry = 0; entry < context.candidates(g); entry++) {
                positions = Math.max(positions, context.position(g, entry) + 1);
            }
        }
        float[] byPosition = new float[positions];
        for (int h : heads) {
            int g = context.kvHeadOf(h);
            float[] scores = context.queryHeadScore(h);
            for (int entry = 0; entry < scores.length; entry++) {
                byPosition[context.position(g, entry)] += scores[entry] / heads.length;
            }
        }
        return byPosition;
    }

    @Override
    public int[] layerBudgets(int layers, int budget, int length, CompressionOptions options) {
        SrhProfile profile = options.profile();
        if (profile == null) {
            if (WARNED.compareAndSet(false, true)) {
                LOG.log(System.Logger.Level.WARNING, "SRH compression without a profile: every query head votes and every "
                        + "layer keeps the same budget; run 'sift calibrate' and pass the profile it writes");
            }
            return CompressionMethod.super.layerBudgets(layers, budget, length, options);
        }
        if (profile.model().layers() != layers) {
            throw new IllegalArgumentException("the SRH profile is for a model with " + profile.model().layers()
                    + " layers, this one has " + layers);
        }
        if (!calibratedBudgets) {
            return CompressionMethod.super.layerBudgets(layers, budget, length, options);
        }
        int min = Math.max(options.reserved(), Math.min(MIN_LAYER_BUDGET, budget));
        int max = Math.min(MAX_BUDGET_FACTOR * budget, length);
        return LayerBudgets.proportional(profile.layerErrors(), budget, min, max);
    }
}
