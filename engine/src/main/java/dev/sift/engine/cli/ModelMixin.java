package dev.sift.engine.cli;

import dev.sift.engine.backend.Backend;
import dev.sift.engine.generation.LoadedModel;
import dev.sift.engine.generation.ModelOptions;
import dev.sift.engine.kv.KvPrecision;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** The options that say which model to load and how. */
final class ModelMixin {

    @Option(names = {"-m", "--model"}, required = true, description = "GGUF model file.")
    Path model;

    @Option(names = {"-c", "--context"}, defaultValue = "0",
            description = "Context length in tokens; 0 = the model's (default).")
    int context;

    @Option(names = "--threads", defaultValue = "0", description = "Threads for the matrix products, the calling one included; 0 = all processors (default).")
    int threads;

    @Option(names = "--backend", defaultValue = "cpu",
            description = "Where the math runs: auto, cpu or cuda (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--kv-type", defaultValue = "f16",
            description = "How the CPU backend stores the KV cache: f16 or f32 (default: ${DEFAULT-VALUE}).")
    String kvType;

    LoadedModel load() throws IOException {
        Backend choice;
        try {
            choice = Backend.valueOf(backend.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown backend '" + backend + "' (choose auto, cpu or cuda)");
        }
        return LoadedModel.load(model, new ModelOptions(threads, context).withBackend(choice)
                .withKvPrecision(KvPrecision.parse(kvType)));
    }
}
