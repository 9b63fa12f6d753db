package dev.sift.engine.cli;

import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.GgufTensorInfo;
import dev.sift.engine.gguf.TensorType;
import dev.sift.engine.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code sift info}: what a model file holds. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print a model's architecture, hyperparameters, tokenizer and tensor summary.")
final class InfoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, description = "GGUF model file.")
    Path model;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (GgufFile file = GgufFile.open(model)) {
            out.printf("file            %s (GGUF v%d, %s)%n", file.path().getFileName(), file.version(), bytes(file.size()));
            file.string("general.name").ifPresent(name -> out.printf("name            %s%n", name));
            ModelConfig c = ModelConfig.fromGguf(file);
            out.printf("architecture    %s%n", c.architecture());
            out.printf("context length  %d%n", c.contextLength());
            out.printf("embedding       %d%n", c.dim());
            out.printf("layers          %d%n", c.layers());
            out.printf("heads           %d query, %d key/value (group of %d), head size %d%n",
                    c.heads(), c.kvHeads(), c.groupSize(), c.headDim());
            out.printf("feed-forward    %d%n", c.ffnDim());
            out.printf("rope            base %s, %d dimensions%n", c.ropeTheta(), c.ropeDim());
            out.printf("rms epsilon     %s%n", c.rmsEpsilon());
            out.printf("tokenizer       %s, %d tokens, bos %s, eos %s%n",
                    file.string("tokenizer.ggml.model").orElse("(none)"), c.vocabularySize(),
                    file.integer("tokenizer.ggml.bos_token_id").map(String::valueOf).orElse("-"),
                    file.integer("tokenizer.ggml.eos_token_id").map(String::valueOf).orElse("-"));
            out.printf("tensors         %d%n", file.tensors().size());
            Map<TensorType, long[]> byType = new TreeMap<>();
            for (GgufTensorInfo tensor : file.tensors()) {
                long[] countAndBytes = byType.computeIfAbsent(tensor.type(), t -> new long[2]);
                countAndBytes[0]++;
                countAndBytes[1] += tensor.byteSize();
            }
            byType.forEach((type, countAndBytes) -> out.printf("  %-6s %5d tensors %12s%s%n", type, countAndBytes[0],
                    bytes(countAndBytes[1]), type.isSupported() ? "" : "  (not supported yet)"));
        }
        return 0;
    }

    private static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = n;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format("%.1f %s", value, units[unit]);
    }
}
