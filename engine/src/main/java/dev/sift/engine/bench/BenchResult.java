package dev.sift.engine.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Speeds measured by {@link Benchmark}.
 *
 * @param backend            the backend that ran, in words
 * @param options            what was measured
 * @param prefillTokensPerS  prompt tokens per second, one entry per run
 * @param decodeTokensPerS   decoded tokens per second, one entry per run
 * @param weightBytesPerToken bytes of weights one decoded token reads (every matrix once; the token
 *                           embedding only if it is also the output projection)
 */
public record BenchResult(String backend, BenchOptions options, double[] prefillTokensPerS,
                          double[] decodeTokensPerS, long weightBytesPerToken) {

    /** Median, minimum and maximum of some runs. */
    public record Summary(double median, double min, double max) {
        static Summary of(double[] values) {
            double[] sorted = values.clone();
            Arrays.sort(sorted);
            int n = sorted.length;
            double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
            return new Summary(median, sorted[0], sorted[n - 1]);
        }
    }

    public Summary prefill() {
        return Summary.of(prefillTokensPerS);
    }

    public Summary decode() {
        return Summary.of(decodeTokensPerS);
    }

    /**
     * The decode speed that reading the weights once per token at {@code gigabytesPerSecond} (10^9
     * bytes) allows; KV-cache reads and activations are not counted.
     */
    public double bandwidthLimitTokensPerS(double gigabytesPerSecond) {
        return gigabytesPerSecond * 1e9 / weightBytesPerToken;
    }

    /** Median decode speed as a fraction of {@link #bandwidthLimitTokensPerS}. */
    public double bandwidthFraction(double gigabytesPerSecond) {
        return decode().median() / bandwidthLimitTokensPerS(gigabytesPerSecond);
    }

    /** A few lines for people; {@code bandwidth} in GB/s, or NaN to leave the bandwidth line out. */
    public List<String> lines(double bandwidth) {
        Summary prefill = prefill();
        Summary decode = decode();
        List<String> lines = new java.util.ArrayList<>(List.of(
                String.format(Locale.ROOT, "backend: %s, %d runs, weights read per token: %.1f MB",
                        backend, options.runs(), weightBytesPerToken / 1e6),
                String.format(Locale.ROOT, "prefill (%d tokens): %.2f tokens/s (median; min %.2f, max %.2f)",
                        options.promptTokens(), prefill.median(), prefill.min(), prefill.max()),
                String.format(Locale.ROOT, "decode (%d tokens): %.2f tokens/s (median; min %.2f, max %.2f)",
                        options.genTokens(), decode.median(), decode.min(), decode.max())));
        if (!Double.isNaN(bandwidth)) {
            lines.add(String.format(Locale.ROOT,
                    "bandwidth limit at %.1f GB/s: %.2f tokens/s; decode reaches %.1f%% of it",
                    bandwidth, bandwidthLimitTokensPerS(bandwidth), 100 * bandwidthFraction(bandwidth)));
        }
        return lines;
    }
}
