package dev.sift.engine.kv;

import java.util.Locale;

/**
 * 1-D pooling of scores along the key axis (stride 1, {@code kernel / 2} padding on each side, so
 * the length is kept): a token next to a strongly attended one is kept with it, which keeps the
 * neighbourhood that gives a kept token its meaning (SnapKV's clustering step).
 */
public enum Pooling {

    /**
     * The mean over the kernel, padding counted as zeros: PyTorch's {@code avg_pool1d} default, as in
     * the original SnapKV and kvpress.
     */
    AVERAGE,
    /** The largest score under the kernel (SnapKV's LongBench configurations, SentenceKV). */
    MAX;

    /**
     * Pools {@code scores} with an odd {@code kernel}; a kernel of 1 returns a copy.
     *
     * @throws IllegalArgumentException if the kernel is even or not positive
     */
    public float[] apply(float[] scores, int kernel) {
        checkKernel(kernel);
        int half = kernel / 2;
        float[] out = new float[scores.length];
        for (int i = 0; i < scores.length; i++) {
            int from = Math.max(0, i - half);
            int to = Math.min(scores.length, i + half + 1);
            out[i] = switch (this) {
                case AVERAGE -> sum(scores, from, to) / kernel;
                case MAX -> max(scores, from, to);
            };
        }
        return out;
    }

    private static float sum(float[] scores, int from, int to) {
        float sum = 0f;
        for (int j = from; j < to; j++) {
            sum += scores[j];
        }
        return sum;
    }

    private static float max(float[] scores, int from, int to) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = from; j < to; j++) {
            max = Math.max(max, scores[j]);
        }
        return max;
    }

    /** @throws IllegalArgumentException if {@code kernel} is even or not positive */
    static void checkKernel(int kernel) {
        if (kernel <= 0 || kernel % 2 == 0) {
            throw new IllegalArgumentException("pooling kernel must be a positive odd number, got " + kernel);
        }
    }

    /** Reads {@code avg}/{@code average}/{@code mean} or {@code max}. */
    public static Pooling parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "avg", "average", "mean" -> AVERAGE;
            case "max" -> MAX;
            default -> throw new IllegalArgumentException("pooling '" + text + "' is not one of: avg, max");
        };
    }
}
