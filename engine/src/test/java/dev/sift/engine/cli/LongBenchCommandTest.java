package dev.sift.engine.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LongBenchCommandTest {

    @Test
    void measuresEveryMethodAgainstTheFullCacheAndWritesTablesAndAPlot(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny.gguf");
        assertThat(CliRun.of("bench", "--generate-model", model.toString(), "--shape", "tiny", "--type", "q8_0").exitCode()).isZero();
        Path csv = dir.resolve("long.csv");
        Path markdown = dir.resolve("long.md");
        Path plot = dir.resolve("long.png");
        CliRun run = CliRun.of("bench-long", "--model", model.toString(), "--threads", "2", "--contexts", "128,200",
                "--methods", "snapkv,sentence", "--budgets", "64,150", "--gen-tokens", "6", "--real-prefill-up-to", "128",
                "--csv", csv.toString(), "--markdown", markdown.toString(), "--plot", plot.toString(), "--plot-budget", "64");
        assertThat(run.exitCode()).as(run.err()).isZero();

        List<String> lines = Files.readAllLines(csv);
        assertThat(lines.getFirst()).isEqualTo("context,method,budget,prefill_ms,compress_ms,decode_tok_s,kv_mib,store_mib,"
                + "peak_kv_mib,peak_heap_mib,peak_rss_mib,reuse");
        // 128: none, snapkv@64, sentence@64 (150 is not below 128); 200: none and both methods at 64 and 150.
        assertThat(lines.subList(1, lines.size())).extracting(line -> String.join(",", List.of(line.split(",")).subList(0, 3)))
                .containsExactly("128,none,full", "128,snapkv,64", "128,sentence,64",
                        "200,none,full", "200,snapkv,64", "200,snapkv,150", "200,sentence,64", "200,sentence,150");
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",");
            // Real prefill is timed up to 128 tokens; the 200-token contexts are synthetic.
            assertThat(cells[3]).isEqualTo(cells[0].equals("128") ? cells[3] : "-");
            assertThat(Double.parseDouble(cells[4])).as("compress_ms of %s", line).isNotNegative();
            assertThat(Double.parseDouble(cells[5])).as("decode of %s", line).isPositive();
        }
        assertThat(Double.parseDouble(lines.get(1).split(",")[3])).isPositive();
        // The full cache at 200 tokens holds more than snapkv at 64; the sentence method keeps a store beside attention.
        assertThat(Double.parseDouble(lines.get(4).split(",")[6])).isGreaterThan(Double.parseDouble(lines.get(5).split(",")[6]));
        assertThat(Double.parseDouble(lines.get(7).split(",")[7])).isPositive();
        assertThat(Files.readString(markdown)).startsWith("| context | method |").contains("| 200 | sentence | 150 |");
        byte[] png = Files.readAllBytes(plot);
        assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }
}
