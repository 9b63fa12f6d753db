package dev.sift.engine.cli;

import dev.sift.engine.kv.CompressionOptions;
import dev.sift.engine.kv.GroupAggregation;
import dev.sift.engine.kv.Pooling;
import dev.sift.engine.kv.SentenceOptions;
import dev.sift.engine.kv.SrhProfile;
import picocli.CommandLine.Option;

import java.io.IOException;

/** The options that say how KV-cache compression works, whichever method and budget are chosen. */
final class CompressionMixin {

    @Option(names = "--sinks", defaultValue = "4", description = "Attention sinks kept (default: ${DEFAULT-VALUE}).")
    int sinks;

    @Option(names = "--window", defaultValue = "32", description = "Observation and recent window (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--pooling", defaultValue = "avg", description = "avg or max (default: ${DEFAULT-VALUE}).")
    String pooling;

    @Option(names = "--kernel", defaultValue = "5", description = "Odd pooling kernel; 1 = none (default: ${DEFAULT-VALUE}).")
    int kernel;

    @Option(names = "--aggregation", defaultValue = "mean",
            description = "GQA aggregation over a group's query heads: mean or max (default: ${DEFAULT-VALUE}).")
    String aggregation;

    @Option(names = "--prefill-chunk", defaultValue = "0",
            description = "Compress after every N prompt tokens; 0 = once, after the prompt (default).")
    int prefillChunk;

    @Option(names = "--decode-interval", defaultValue = "0",
            description = "Compress again after every N generated tokens; 0 = never (default).")
    int decodeInterval;

    @Option(names = "--store-factor", defaultValue = "3",
            description = "sentence: the store keeps this many times the budget; 0 = the whole prompt (default: ${DEFAULT-VALUE}).")
    int storeFactor;

    @Option(names = "--reselect-interval", defaultValue = "0",
            description = "sentence: also choose the active set every N generated tokens; 0 = at sentence ends only (default).")
    int reselectInterval;

    @Option(names = "--sentence-scoring", defaultValue = "bound",
            description = "sentence: bound (min/max keys), mean-key or attention (default: ${DEFAULT-VALUE}).")
    String sentenceScoring;

    @Option(names = "--compression-profile", paramLabel = "PROFILE.json",
            description = "SRH profile of the model for the srh methods, from sift calibrate: a file, or classpath:path.")
    String profile;

    /**
     * These settings on the full cache; callers pick the method and budget.
     *
     * @throws IOException if the profile cannot be read
     */
    CompressionOptions options() throws IOException {
        return CompressionOptions.NONE.withSinks(sinks).withWindow(window)
                .withPooling(Pooling.parse(pooling), kernel).withAggregation(GroupAggregation.parse(aggregation))
                .withPrefillChunk(prefillChunk).withDecodeInterval(decodeInterval)
                .withSentence(SentenceOptions.DEFAULTS.withStoreFactor(storeFactor).withReselectInterval(reselectInterval)
                        .withScoring(SentenceOptions.Scoring.parse(sentenceScoring)))
                .withProfile(profile == null ? null : SrhProfile.load(profile));
    }
}
