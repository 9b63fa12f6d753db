package dev.sift.engine.eval;

import dev.sift.engine.kv.CompressionOptions;

import java.util.Locale;

/**
 * One method at one budget, averaged over the prompts (and needle cases).
 *
 * @param compression the method and budget
 * @param agreement   fraction of the first N greedy tokens identical to the full cache's, position by position
 * @param kl          mean KL divergence (nats) of the next-token distributions from the full cache's,
 *                    teacher-forced on the full cache's continuation
 * @param needle      mean needle-in-a-haystack score (fraction of the answer's tokens reproduced)
 * @param kvBytes     mean key and value bytes attention holds once the context is compressed
 * @param storeBytes  mean bytes held beside the attention cache (the {@code sentence} method's store), else 0
 * @param ratio       mean entries held / entries of the full cache, once the context is compressed
 * @param reuse       {@code sentence} only: mean share of the tokens chosen for the active set during
 *                    generation that attention held already; NaN for the other methods
 * @param prefillMs   mean time to feed and compress a context
 * @param decodeTokensPerSecond greedy tokens generated per second after the compressed context
 */
public record EvalRow(CompressionOptions compression, double agreement, double kl, double needle, long kvBytes,
                      long storeBytes, double ratio, double reuse, double prefillMs, double decodeTokensPerSecond) {

    /** The column names, as in the CSV file. */
    public static final String[] COLUMNS = {"method", "budget", "agreement", "kl", "needle", "kv_bytes", "store_bytes",
            "ratio", "reuse", "prefill_ms", "decode_tok_s"};

    private static final String TABLE_FORMAT = "%-11s %7s %9s %8s %7s %10s %11s %6s %6s %10s %12s";

    /** The method's name. */
    public String method() {
        return compression.method().label();
    }

    /** The budget as given ({@code 64}, {@code 10%}), or {@code full} for the full cache. */
    public String budget() {
        return compression.isNone() ? "full" : compression.budget().toString();
    }

    /** The column names, aligned like {@link #tableLine}. */
    public static String tableHeader() {
        return String.format(Locale.ROOT, TABLE_FORMAT, (Object[]) COLUMNS);
    }

    /** This row, aligned under {@link #tableHeader}. */
    public String tableLine() {
        return String.format(Locale.ROOT, TABLE_FORMAT, method(), budget(), format(agreement, 3), format(kl, 4),
                format(needle, 3), kvBytes, storeBytes, format(ratio, 3), format(reuse, 3), format(prefillMs, 1),
                format(decodeTokensPerSecond, 1));
    }

    /** This row as comma-separated values, in {@link #COLUMNS} order. */
    public String csvLine() {
        return String.join(",", method(), budget(), format(agreement, 4), format(kl, 6), format(needle, 4),
                Long.toString(kvBytes), Long.toString(storeBytes), format(ratio, 4), format(reuse, 4), format(prefillMs, 3),
                format(decodeTokensPerSecond, 1));
    }

    private static String format(double value, int decimals) {
        if (Double.isNaN(value)) {
            return "-";
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}
