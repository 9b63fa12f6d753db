package dev.sift.engine.cli;

import dev.sift.engine.bench.LongContextBenchmark;
import dev.sift.engine.bench.LongContextChart;
import dev.sift.engine.bench.LongContextOptions;
import dev.sift.engine.bench.LongContextRow;
import dev.sift.engine.generation.LoadedModel;
import dev.sift.engine.kv.Budget;
import dev.sift.engine.kv.CompressionMethodKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code sift bench-long}: decode speed and memory at long context, with and without compression. */
@Command(name = "bench-long", mixinStandardHelpOptions = true,
        description = {"Measure decode speed, compression time and memory at long context lengths for the full cache",
                "and each compression method and budget. Contexts longer than --real-prefill-up-to are synthetic: random",
                "keys and values up to the last window of tokens, which run through the model (decode speed depends",
                "on how much the cache holds, not on what)."})
final class LongBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelMixin model;

    @Mixin
    CompressionMixin compressionSettings;

    @Option(names = "--contexts", split = ",", defaultValue = "1024,4096,16384,32768",
            description = "Context lengths in tokens (default: ${DEFAULT-VALUE}).")
    List<Integer> contexts;

    @Option(names = "--methods", split = ",", defaultValue = "streaming,snapkv,pyramidkv,sentence",
            description = "Methods compared with the full cache (default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--budgets", split = ",", defaultValue = "512,1024,2048",
            description = "Budgets: tokens per layer or a share of the context such as 10% (default: ${DEFAULT-VALUE}).")
    List<String> budgets;

    @Option(names = "--gen-tokens", defaultValue = "64",
            description = "Tokens decoded after each context; speed is their median (default: ${DEFAULT-VALUE}).")
    int genTokens;

    @Option(names = "--real-prefill-up-to", defaultValue = "0",
            description = "Prefill contexts up to this length for real, and time it; 0 = always synthetic (default).")
    int realPrefillUpTo;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--csv", description = "Also write the table as CSV to this file.")
    Path csv;

    @Option(names = "--markdown", description = "Also write the table as Markdown to this file.")
    Path markdown;

    @Option(names = "--plot", description = "Also plot decode speed and KV memory against context length to this PNG.")
    Path plot;

    @Option(names = "--plot-budget", defaultValue = "2048", description = "The budget the plot draws (default: ${DEFAULT-VALUE}).")
    String plotBudget;

    @Override
    public Integer call() throws Exception {
        LongContextOptions options = new LongContextOptions(contexts, methods.stream().map(CompressionMethodKind::parse).toList(),
                budgets.stream().map(Budget::parse).toList(), compressionSettings.options(), genTokens, realPrefillUpTo, seed);
        PrintWriter out = spec.commandLine().getOut();
        List<LongContextRow> rows = new ArrayList<>();
        try (LoadedModel loaded = model.load()) {
            out.printf("%s, %d tokens decoded per run, on %s%n", model.model.getFileName(), genTokens, loaded.backendName());
            out.println(LongContextRow.tableHeader());
            out.flush();
            rows.addAll(new LongContextBenchmark(loaded, options).run(row -> {
                out.println(row.tableLine());
                out.flush();
            }));
        }
        if (csv != null) {
            List<String> lines = new ArrayList<>(List.of(String.join(",", LongContextRow.COLUMNS)));
            rows.forEach(row -> lines.add(row.csvLine()));
            Files.write(csv, lines);
        }
        if (markdown != null) {
            List<String> lines = new ArrayList<>(List.of("| " + String.join(" | ", LongContextRow.COLUMNS) + " |",
                    "|" + " --- |".repeat(LongContextRow.COLUMNS.length)));
            rows.forEach(row -> lines.add(row.markdownLine()));
            Files.write(markdown, lines);
        }
        if (plot != null) {
            LongContextChart.write(rows, plotBudget, plot);
        }
        return 0;
    }
}
