package dev.sift.engine.cli;

import dev.sift.engine.calibration.CalibrationOptions;
import dev.sift.engine.calibration.RetrievalScore;
import dev.sift.engine.calibration.SrhCalibrator;
import dev.sift.engine.eval.NeedleTask;
import dev.sift.engine.generation.LoadedModel;
import dev.sift.engine.kv.Budget;
import dev.sift.engine.kv.CompressionMethodKind;
import dev.sift.engine.kv.CompressionOptions;
import dev.sift.engine.kv.Pooling;
import dev.sift.engine.kv.SrhProfile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code sift calibrate}: finds a model's semantic retrieval heads and layer budgets for SRH compression. */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Calibrate SRH compression (CompressKV) for a model: rank each layer's query heads by how they "
                + "attend to a needle while the model reproduces it, measure each layer's eviction error, and write "
                + "the profile that the srh methods read.",
                "The default grid suits the stories models; pass --context to stay within the context a model was "
                        + "trained for."})
final class CalibrateCommand implements Callable<Integer> {

    private static final int BAR = 30;

    @Spec
    CommandSpec spec;

    @Mixin
    ModelMixin model;

    @Option(names = "--out", required = true, paramLabel = "PROFILE.json", description = "Where to write the profile.")
    Path out;

    @Option(names = "--needles", description = "Needles file: sentence<TAB>question<TAB>answer per line, the answer "
            + "copied from the sentence (default: short story sentences).")
    Path needles;

    @Option(names = "--haystack", description = "Haystack text file (default: a short TinyStories-style text).")
    Path haystack;

    @Option(names = "--lengths", split = ",", description = "Haystack lengths in tokens (default: 5 from an eighth of "
            + "the context to the context less " + CalibrationOptions.ROOM + " tokens, at most "
            + CalibrationOptions.MAX_DEFAULT_LENGTH + ").")
    List<Integer> lengths;

    @Option(names = "--depths", split = ",", defaultValue = "0,10,20,30,40,50,60,70,80,90,100",
            description = "Needle depths in percent (default: ${DEFAULT-VALUE}).")
    List<Integer> depths;

    @Option(names = "--score", defaultValue = "semantic",
            description = "Head score: semantic (SRH) or copy (classic retrieval heads) (default: ${DEFAULT-VALUE}).")
    String score;

    @Option(names = "--heads", defaultValue = "4", description = "Retrieval heads per layer that select tokens "
            + "(default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--probe-budget", defaultValue = "" + CalibrationOptions.DEFAULT_PROBE_BUDGET,
            description = "Budget the layer errors are measured at (default: ${DEFAULT-VALUE}).")
    int probeBudget;

    @Option(names = "--probe-tokens", defaultValue = "16",
            description = "Generated tokens measured per prompt (default: ${DEFAULT-VALUE}).")
    int probeTokens;

    @Option(names = "--sinks", defaultValue = "4", description = "Attention sinks kept while probing (default: ${DEFAULT-VALUE}).")
    int sinks;

    @Option(names = "--window", defaultValue = "32",
            description = "Observation and recent window while probing (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--pooling", defaultValue = "avg", description = "avg or max (default: ${DEFAULT-VALUE}).")
    String pooling;

    @Option(names = "--kernel", defaultValue = "5", description = "Odd pooling kernel; 1 = none (default: ${DEFAULT-VALUE}).")
    int kernel;

    @Override
    public Integer call() throws Exception {
        NeedleTask needleTask = new NeedleTask(
                haystack == null ? NeedleTask.defaultHaystack() : Files.readString(haystack),
                needles == null ? CalibrationOptions.defaultNeedles().needles()
                        : NeedleTask.parseNeedles(Files.readString(needles), needles.toString()));
        CompressionOptions probe = CompressionOptions.of(CompressionMethodKind.SRH_UNIFORM, Budget.tokens(probeBudget))
                .withSinks(sinks).withWindow(window).withPooling(Pooling.parse(pooling), kernel);
        PrintWriter err = spec.commandLine().getErr();
        try (LoadedModel loaded = model.load()) {
            CalibrationOptions options = CalibrationOptions.defaults(loaded.contextLength())
                    .withNeedles(needleTask).withDepths(depths).withScore(RetrievalScore.parse(score)).withTopHeads(heads)
                    .withProbe(probe, probeTokens);
            if (lengths != null) {
                options = options.withLengths(lengths);
            }
            long start = System.nanoTime();
            SrhProfile profile = new SrhCalibrator(loaded, options).calibrate(progress -> {
                int filled = BAR * progress.done() / progress.total();
                err.printf(Locale.ROOT, "\r%-15s [%s%s] %d/%d runs, %d retrieved", progress.phase(), "#".repeat(filled),
                        "-".repeat(BAR - filled), progress.done(), progress.total(), progress.retrieved());
                if (progress.done() == progress.total()) {
                    err.println();
                }
                err.flush();
            });
            profile.write(out);
            PrintWriter stdout = spec.commandLine().getOut();
            stdout.printf(Locale.ROOT, "wrote %s for %s in %.1f s: %d of %d needle runs retrieved%n", out, profile.model(),
                    (System.nanoTime() - start) / 1e9, profile.calibration().retrieved(), profile.calibration().runs());
            for (int l = 0; l < profile.layers().size(); l++) {
                stdout.printf(Locale.ROOT, "layer %2d  error %.3f  retrieval heads %s%n", l, profile.layers().get(l).error(),
                        Arrays.toString(profile.retrievalHeads(l)));
            }
            stdout.flush();
        }
        return 0;
    }
}
