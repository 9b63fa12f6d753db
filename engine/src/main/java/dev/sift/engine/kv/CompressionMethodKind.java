package dev.sift.engine.kv;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The compression methods by name. Adding a method is one {@link CompressionMethod} class and one
 * value here.
 */
public enum CompressionMethodKind {

    /** The full cache: nothing is dropped and nothing extra is computed. */
    NONE("none", null),
    /** Attention sinks plus the most recent tokens ({@link StreamingLlm}). */
    STREAMING("streaming", new StreamingLlm()),
    /** Observation-window attention, pooled, top-k per KV head ({@link SnapKv}). */
    SNAPKV("snapkv", new SnapKv()),
    /** SnapKV scores with budgets decreasing linearly with depth ({@link PyramidKv}). */
    PYRAMIDKV("pyramidkv", new PyramidKv()),
    /**
     * Whole sentences: a half-precision store of the best sentences and an active set chosen again
     * as generation goes ({@link SentenceKv}, {@link SentenceCache}).
     */
    SENTENCE("sentence", new SentenceKv()),
    /**
     * CompressKV: the semantic retrieval heads of an {@link SrhProfile} choose one token set per layer,
     * layer budgets follow the profile's eviction errors ({@link Srh}).
     */
    SRH("srh", new Srh(Srh.Selection.LAYER, true)),
    /** {@link #SRH} with every layer at the same budget: the calibrated budgets' contribution, isolated. */
    SRH_UNIFORM("srh-uniform", new Srh(Srh.Selection.LAYER, false)),
    /** {@link #SRH} with a token set per KV head, chosen by the retrieval heads of its own group. */
    SRH_KVHEAD("srh-kvhead", new Srh(Srh.Selection.KV_HEAD, true));

    private final String label;
    private final CompressionMethod method;

    CompressionMethodKind(String label, CompressionMethod method) {
        this.label = label;
        this.method = method;
    }

    /** The name used on the command line and in configuration, e.g. {@code snapkv}. */
    public String label() {
        return label;
    }

    /**
     * The method's scorer (methods are stateless and shared).
     *
     * @throws IllegalStateException for {@link #NONE}, which keeps the full cache and has no scorer
     */
    public CompressionMethod method() {
        if (method == null) {
            throw new IllegalStateException("'" + label + "' keeps the full cache and has no scorer");
        }
        return method;
    }

    /**
     * The method named {@code text} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the text and the known methods
     */
    public static CompressionMethodKind parse(String text) {
        String name = text.strip().toLowerCase(Locale.ROOT);
        for (CompressionMethodKind kind : values()) {
            if (kind.label.equals(name)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("compression method '" + text + "' is not one of: "
                + Arrays.stream(values()).map(CompressionMethodKind::label).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return label;
    }
}
