package dev.sift.engine.eval;

import java.util.Locale;

/**
 * Whether compression may see the question. Numbers from the two settings are not comparable
 * (kvpress labels its query-aware rows for that reason).
 */
public enum EvalMode {

    /**
     * The question ends the prompt, so it sits in the observation window when the cache is compressed
     * (LongBench as run by SnapKV, PyramidKV and CompressKV).
     */
    QUERY_AWARE("query-aware"),
    /**
     * The context is compressed on its own and the question appended afterwards, uncompressed: one
     * compressed context must serve any question (kvpress's default).
     */
    QUERY_AGNOSTIC("query-agnostic");

    private final String label;

    EvalMode(String label) {
        this.label = label;
    }

    /** Reads {@code query-aware} or {@code query-agnostic}. */
    public static EvalMode parse(String text) {
        String name = text.strip().toLowerCase(Locale.ROOT);
        for (EvalMode mode : values()) {
            if (mode.label.equals(name)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("mode '" + text + "' is not one of: query-aware, query-agnostic");
    }

    @Override
    public String toString() {
        return label;
    }
}
