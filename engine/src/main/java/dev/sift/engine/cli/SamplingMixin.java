package dev.sift.engine.cli;

import dev.sift.engine.sampling.SamplingOptions;
import picocli.CommandLine.Option;

/** The options that say how tokens are chosen. */
final class SamplingMixin {

    @Option(names = {"-t", "--temperature"}, defaultValue = "0.8",
            description = "Sampling temperature; 0 = greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "Top-k; 0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Top-p; 1 = off (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", description = "Min-p; 0 = off (default: ${DEFAULT-VALUE}).")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", description = "Repetition penalty; 1 = off (default: ${DEFAULT-VALUE}).")
    float repeatPenalty;

    @Option(names = "--seed", description = "Random seed (same seed, same text).")
    Long seed;

    SamplingOptions options() {
        return SamplingOptions.DEFAULTS.withTemperature(temperature).withTopK(topK).withTopP(topP).withMinP(minP)
                .withRepetitionPenalty(repeatPenalty).withSeed(seed);
    }
}
