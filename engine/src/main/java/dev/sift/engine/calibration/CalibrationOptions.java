package dev.sift.engine.calibration;

import dev.sift.engine.eval.NeedleTask;
import dev.sift.engine.kv.Budget;
import dev.sift.engine.kv.CompressionMethodKind;
import dev.sift.engine.kv.CompressionOptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * What {@link SrhCalibrator} runs.
 *
 * @param needles     the needles and the haystack they hide in
 * @param lengths     haystack lengths in tokens (each needle is hidden at each depth of each length)
 * @param depths      needle depths in percent of the haystack
 * @param score       which retrieval score ranks the heads
 * @param topHeads    retrieval heads per layer that select tokens (the paper: 4)
 * @param minRecall   a run counts only if the ROUGE-1 recall of the needle's answer in what the model
 *                    generated is above this (the paper: 0.5)
 * @param probe       sinks, window, pooling and the probe budget the eviction error is measured at
 *                    (its method is not used)
 * @param probeTokens decoding steps measured per prompt for the eviction error
 */
public record CalibrationOptions(NeedleTask needles, List<Integer> lengths, List<Integer> depths, RetrievalScore score,
                                 int topHeads, double minRecall, CompressionOptions probe, int probeTokens) {

    /** Needle depths of the default grid: 0, 10, …, 100 percent. */
    public static final List<Integer> DEFAULT_DEPTHS = IntStream.rangeClosed(0, 10).map(i -> 10 * i).boxed().toList();
    /** Haystack lengths in the default grid. */
    public static final int DEFAULT_LENGTHS = 5;
    /** The longest default haystack, so that calibrating a long-context model on a CPU stays practical. */
    public static final int MAX_DEFAULT_LENGTH = 4096;
    /** Tokens of the context the default grid leaves for the needle, the question and the generated tokens. */
    public static final int ROOM = 96;
    /** The probe budget: a small budget, where the choice of tokens matters most (the paper: 32 with window 8). */
    public static final int DEFAULT_PROBE_BUDGET = 64;

    public CalibrationOptions {
        Objects.requireNonNull(needles, "needles");
        Objects.requireNonNull(score, "score");
        Objects.requireNonNull(probe, "probe");
        lengths = List.copyOf(lengths);
        depths = List.copyOf(depths);
        if (lengths.isEmpty() || lengths.stream().anyMatch(length -> length <= 0)) {
            throw new IllegalArgumentException("haystack lengths must be positive token counts, got " + lengths);
        }
        if (depths.isEmpty() || depths.stream().anyMatch(depth -> depth < 0 || depth > 100)) {
            throw new IllegalArgumentException("needle depths must be between 0 and 100 percent, got " + depths);
        }
        if (topHeads < 1) {
            throw new IllegalArgumentException("top heads must be at least 1, got " + topHeads);
        }
        if (!(minRecall >= 0 && minRecall < 1)) {
            throw new IllegalArgumentException("the recall threshold must be at least 0 and below 1, got " + minRecall);
        }
        if (probeTokens < 1) {
            throw new IllegalArgumentException("probe tokens must be at least 1, got " + probeTokens);
        }
        if (!(probe.budget() instanceof Budget.Tokens)) {
            throw new IllegalArgumentException("the probe budget must be a token count, got " + probe.budget());
        }
        probe.budgetTokens(probe.reserved());
    }

    /**
     * The default grid for a context of {@code contextLength} tokens: the shipped needles and haystack,
     * {@value #DEFAULT_LENGTHS} lengths evenly spaced from an eighth of the usable context to all of
     * it (the context less {@value #ROOM} tokens, at most {@value #MAX_DEFAULT_LENGTH}), depths every 10%,
     * semantic scores, 4 heads, recall above 0.5, and the default compression settings at a probe
     * budget of {@value #DEFAULT_PROBE_BUDGET} with 16 probe tokens.
     */
    public static CalibrationOptions defaults(int contextLength) {
        return new CalibrationOptions(defaultNeedles(), defaultLengths(contextLength), DEFAULT_DEPTHS,
                RetrievalScore.SEMANTIC, 4, 0.5,
                CompressionOptions.of(CompressionMethodKind.SRH_UNIFORM, Budget.tokens(DEFAULT_PROBE_BUDGET)), 16);
    }

    /**
     * {@value #DEFAULT_LENGTHS} haystack lengths evenly spaced from an eighth of the usable context to
     * all of it.
     *
     * @throws IllegalArgumentException if the context leaves no room for a haystack
     */
    public static List<Integer> defaultLengths(int contextLength) {
        int usable = Math.min(contextLength, MAX_DEFAULT_LENGTH + ROOM) - ROOM;
        if (usable < DEFAULT_LENGTHS * 8) {
            throw new IllegalArgumentException("a context of " + contextLength + " tokens leaves no room for a needle grid");
        }
        int shortest = usable / 8;
        return IntStream.range(0, DEFAULT_LENGTHS)
                .map(i -> shortest + (int) Math.round((double) i * (usable - shortest) / (DEFAULT_LENGTHS - 1)))
                .boxed().toList();
    }

    /**
     * The shipped haystack with the shipped calibration needles: short story sentences that even
     * stories260K copies when it meets their start again.
     */
    public static NeedleTask defaultNeedles() {
        try (InputStream in = CalibrationOptions.class.getResourceAsStream("needles.tsv")) {
            if (in == null) {
                throw new IllegalStateException("resource needles.tsv is missing from the Sift jar");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new NeedleTask(NeedleTask.defaultHaystack(), NeedleTask.parseNeedles(text, "needles.tsv"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public CalibrationOptions withNeedles(NeedleTask value) {
        return new CalibrationOptions(value, lengths, depths, score, topHeads, minRecall, probe, probeTokens);
    }

    public CalibrationOptions withLengths(List<Integer> value) {
        return new CalibrationOptions(needles, value, depths, score, topHeads, minRecall, probe, probeTokens);
    }

    public CalibrationOptions withDepths(List<Integer> value) {
        return new CalibrationOptions(needles, lengths, value, score, topHeads, minRecall, probe, probeTokens);
    }

    public CalibrationOptions withScore(RetrievalScore value) {
        return new CalibrationOptions(needles, lengths, depths, value, topHeads, minRecall, probe, probeTokens);
    }

    public CalibrationOptions withTopHeads(int value) {
        return new CalibrationOptions(needles, lengths, depths, score, value, minRecall, probe, probeTokens);
    }

    public CalibrationOptions withProbe(CompressionOptions value, int tokens) {
        return new CalibrationOptions(needles, lengths, depths, score, topHeads, minRecall, value, tokens);
    }
}
