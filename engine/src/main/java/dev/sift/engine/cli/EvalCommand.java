package dev.sift.engine.cli;

import dev.sift.engine.eval.EvalChart;
import dev.sift.engine.eval.EvalMode;
import dev.sift.engine.eval.EvalOptions;
import dev.sift.engine.eval.EvalPrompt;
import dev.sift.engine.eval.EvalReport;
import dev.sift.engine.eval.EvalRow;
import dev.sift.engine.eval.FidelityHarness;
import dev.sift.engine.eval.NeedleTask;
import dev.sift.engine.generation.LoadedModel;
import dev.sift.engine.kv.Budget;
import dev.sift.engine.kv.CompressionMethodKind;
import dev.sift.engine.kv.CompressionOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code sift eval}: what KV-cache compression methods and budgets cost against the full cache. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Compare KV-cache compression methods and budgets with the full cache: greedy agreement, KL "
                + "divergence, needle in a haystack, KV memory and speed.",
                "Prompts shorter than --min-context are extended with the model's own full-cache continuation."})
final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelMixin model;

    @Option(names = "--prompts", required = true,
            description = "A folder of *.json files with a 'prompt' field, or a text file with one prompt per paragraph.")
    Path prompts;

    @Option(names = "--methods", split = ",", defaultValue = "none,streaming,snapkv,pyramidkv,sentence",
            description = "Methods to compare: none, streaming, snapkv, pyramidkv, sentence, srh, srh-uniform, srh-kvhead "
                    + "(default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--budgets", split = ",", defaultValue = "64,128,256",
            description = "Budgets: tokens per layer or a share of the context such as 10% (default: ${DEFAULT-VALUE}).")
    List<String> budgets;

    @Option(names = "--mode", defaultValue = "query-aware",
            description = "Needle question inside the compressed prompt (query-aware) or appended after compression "
                    + "(query-agnostic) (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--tokens", defaultValue = "64", description = "Tokens compared after each context (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--min-context", defaultValue = "384",
            description = "Extend shorter prompts to this many tokens; also the haystack length (default: ${DEFAULT-VALUE}).")
    int minContext;

    @Option(names = "--depths", split = ",", defaultValue = "0,25,50,75,100",
            description = "Needle depths in percent (default: ${DEFAULT-VALUE}).")
    List<Integer> depths;

    @Option(names = "--haystack", description = "Haystack text file (default: a short TinyStories-style text).")
    Path haystack;

    @Option(names = "--needles", description = "Needles file: sentence<TAB>question<TAB>answer per line (needs --haystack).")
    Path needles;

    @Mixin
    CompressionMixin compressionSettings;

    @Option(names = "--csv", description = "Also write the table as CSV to this file.")
    Path csv;

    @Option(names = "--plot", description = "Also plot agreement, KL and needle score against KV kept to this PNG file.")
    Path plot;

    @Override
    public Integer call() throws Exception {
        if ((haystack == null) != (needles == null)) {
            throw new IllegalArgumentException("give --haystack and --needles together, or neither for the defaults");
        }
        CompressionOptions compression = compressionSettings.options();
        EvalOptions options = new EvalOptions(methods.stream().map(CompressionMethodKind::parse).toList(),
                budgets.stream().map(Budget::parse).toList(), compression, tokens, minContext, EvalMode.parse(mode), depths);
        List<EvalPrompt> loaded = EvalPrompt.load(prompts);
        NeedleTask needleTask = haystack == null ? NeedleTask.defaults() : NeedleTask.load(haystack, needles);

        PrintWriter out = spec.commandLine().getOut();
        try (LoadedModel loadedModel = model.load()) {
            if (compression.profile() != null) {
                compression.profile().requireModel(loadedModel.identity());
            }
            out.printf("%s, %d prompt%s (contexts of at least %d tokens), %d tokens compared, needle %s, on %s%n",
                    model.model.getFileName(), loaded.size(), loaded.size() == 1 ? "" : "s", minContext, tokens,
                    options.mode(), loadedModel.backendName());
            out.println(EvalRow.tableHeader());
            out.flush();
            EvalReport report = new FidelityHarness(loadedModel, options).run(loaded, needleTask, row -> {
                out.println(row.tableLine());
                out.flush();
            });
            if (csv != null) {
                report.writeCsv(csv);
            }
            if (plot != null) {
                EvalChart.write(report, plot);
            }
        }
        return 0;
    }
}
