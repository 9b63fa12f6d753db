package dev.sift.engine.kv;

/**
 * PyramidKV (Cai et al., "PyramidKV: Dynamic KV Cache Compression based on Pyramidal Information
 * Funneling", 2024): SnapKV's scores, but lower layers, whose attention is spread wide, keep more and
 * upper layers, whose attention is focused, keep less; the total equals the uniform allocation.
 *
 * <p>Of each layer's budget, the {@code sinks + window} tokens every layer keeps are set aside and the
 * rest, {@code F = B − sinks − window}, follows KVCache-Factory's schedule (with sinks 0 it is exactly
 * that): {@code min = F / β}, {@code max = 2F − min}, lowered to the {@code M} candidates a layer has
 * (then {@code min = 2F − max}), and layer {@code l} of {@code n} gets
 * {@code max − l · (max − min) / (n − 1)}. Fractions are rounded so that the layers' budgets sum to
 * exactly {@code n · B}.
 */
final class PyramidKv implements CompressionMethod {

    /** How much steeper than uniform the pyramid is: the top layer keeps {@code F / β}. */
    static final int BETA = 20;

    @Override
    public float[][] scores(CompressionContext context) {
        return context.windowScores();
    }

    @Override
    public int[] layerBudgets(int layers, int budget, int length, CompressionOptions options) {
        if (layers == 1) {
            return CompressionMethod.super.layerBudgets(layers, budget, length, options);
        }
        int reserved = options.reserved();
        int free = budget - reserved;
        double min = (double) free / BETA;
        double max = 2.0 * free - min;
        if (max > length - reserved) {
            max = length - reserved;
            min = 2.0 * free - max;
        }
        double step = (max - min) / (layers - 1);
        double[] shares = new double[layers];
        for (int l = 0; l < layers; l++) {
            shares[l] = max - l * step;
        }
        int[] rounded = LayerBudgets.roundKeepingSum(shares, (long) layers * free);
        int[] budgets = new int[layers];
        for (int l = 0; l < layers; l++) {
            budgets[l] = reserved + rounded[l];
        }
        return budgets;
    }
}
