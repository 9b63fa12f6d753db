package dev.sift.engine.bench;

import dev.sift.engine.kv.CompressionOptions;

import java.util.Locale;

/**
 * One configuration at one context length.
 *
 * @param context               context length in tokens
 * @param compression           the method and budget
 * @param realPrefill           whether the whole context went through the model (else all but the window was synthetic)
 * @param prefillMs             time to feed the context, compression included; NaN when synthetic
 * @param compressMs            time from the end of the last prompt token's forward pass to the start of the first
 *                              decoded one: compression (and the sentence method's first choice), plus one sampling
 * @param decodeTokensPerSecond 1 / the median time per generated token
 * @param kvBytes               bytes the attention cache held at the end
 * @param storeBytes            bytes held beside it (the sentence method's store)
 * @param peakKvBytes           the most bytes the attention cache held at any compression
 * @param peakHeapBytes         the most JVM heap in use while the configuration ran
 * @param peakResidentBytes     the most resident memory of the process while it ran; -1 where unknown
 * @param reuse                 the sentence method's reuse rate; NaN for the others
 */
public record LongContextRow(int context, CompressionOptions compression, boolean realPrefill, double prefillMs,
                             double compressMs, double decodeTokensPerSecond, long kvBytes, long storeBytes,
                             long peakKvBytes, long peakHeapBytes, long peakResidentBytes, double reuse) {

    /** The column names, as in the CSV file. */
    public static final String[] COLUMNS = {"context", "method", "budget", "prefill_ms", "compress_ms", "decode_tok_s",
            "kv_mib", "store_mib", "peak_kv_mib", "peak_heap_mib", "peak_rss_mib", "reuse"};

    private static final String TABLE_FORMAT = "%7s %-10s %6s %10s %11s %12s %8s %9s %11s %13s %12s %6s";

    public String method() {
        return compression.method().label();
    }

    /** The budget as given, or {@code full}. */
    public String budget() {
        return compression.isNone() ? "full" : compression.budget().toString();
    }

    public static String tableHeader() {
        return String.format(Locale.ROOT, TABLE_FORMAT, (Object[]) COLUMNS);
    }

    public String tableLine() {
        return String.format(Locale.ROOT, TABLE_FORMAT, (Object[]) cells());
    }

    public String csvLine() {
        return String.join(",", cells());
    }

    /** A Markdown table row, in {@link #COLUMNS} order. */
    public String markdownLine() {
        return "| " + String.join(" | ", cells()) + " |";
    }

    private String[] cells() {
        return new String[] {Integer.toString(context), method(), budget(), format(prefillMs, 0), format(compressMs, 1),
                format(decodeTokensPerSecond, 2), mebibytes(kvBytes), mebibytes(storeBytes), mebibytes(peakKvBytes),
                mebibytes(peakHeapBytes), peakResidentBytes < 0 ? "-" : mebibytes(peakResidentBytes), format(reuse, 3)};
    }

    private static String mebibytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / (1024.0 * 1024.0));
    }

    private static String format(double value, int decimals) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}
