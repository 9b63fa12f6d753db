package dev.sift.engine.cli;

import dev.sift.engine.kv.Budget;
import dev.sift.engine.kv.CompressionMethodKind;
import dev.sift.engine.kv.CompressionOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;

/** One compression method at one budget, for the commands that generate. */
final class CompressionChoiceMixin {

    @Option(names = "--compression", defaultValue = "none",
            description = "KV-cache compression: none, streaming, snapkv, pyramidkv or sentence (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--budget", defaultValue = "512",
            description = "Tokens each layer keeps, or a share of the prompt such as 10% (default: ${DEFAULT-VALUE}).")
    String budget;

    @Mixin
    CompressionMixin settings;

    CompressionOptions options() throws IOException {
        return settings.options().withMethod(CompressionMethodKind.parse(method)).withBudget(Budget.parse(budget));
    }
}
