package dev.sift.engine.cli;

import dev.sift.engine.generation.GenerationRequest;
import dev.sift.engine.generation.GenerationResult;
import dev.sift.engine.generation.LoadedModel;
import dev.sift.engine.generation.ModelOptions;
import dev.sift.engine.generation.Session;
import dev.sift.engine.sampling.SamplingOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code sift generate}: continues a prompt and streams the text to standard output. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt, streaming the generated text to standard output.")
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, description = "GGUF model file.")
    Path model;

    @Option(names = {"-p", "--prompt"}, required = true, description = "Prompt text.")
    String prompt;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "256",
            description = "Most tokens to generate; 0 = until the context is full (default: ${DEFAULT-VALUE}).")
    int maxTokens;

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

    @Option(names = "--stop", description = "Stop sequence (repeatable).")
    List<String> stop = List.of();

    @Option(names = {"-c", "--context"}, defaultValue = "0",
            description = "Context length in tokens; 0 = the model's (default).")
    int context;

    @Option(names = "--threads", defaultValue = "0", description = "Worker threads; 0 = all processors (default).")
    int threads;

    @Option(names = "--stats", description = "Print token counts, finish reason and speed to standard error.")
    boolean stats;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        SamplingOptions sampling = SamplingOptions.DEFAULTS.withTemperature(temperature).withTopK(topK).withTopP(topP)
                .withMinP(minP).withRepetitionPenalty(repeatPenalty).withSeed(seed);
        GenerationRequest request = GenerationRequest.text(prompt).withMaxTokens(maxTokens)
                .withStopSequences(stop).withSampling(sampling);
        try (LoadedModel loaded = LoadedModel.load(model, new ModelOptions(threads, context));
             Session session = loaded.newSession()) {
            long start = System.nanoTime();
            GenerationResult result = session.generate(request, piece -> {
                out.print(piece);
                out.flush();
            });
            out.println();
            out.flush();
            if (stats) {
                double seconds = (System.nanoTime() - start) / 1e9;
                spec.commandLine().getErr().printf("%d prompt + %d generated tokens in %.2f s (%.1f tokens/s), finish: %s%n",
                        result.usage().promptTokens(), result.usage().completionTokens(), seconds,
                        result.usage().totalTokens() / seconds, result.finishReason());
            }
        }
        return 0;
    }
}
