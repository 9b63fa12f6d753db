package dev.sift.engine.cli;

import dev.sift.engine.SharedModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class EvalCommandTest {

    @Test
    void printsTheTableAndWritesCsvAndPlot(@TempDir Path dir) throws IOException {
        Path prompts = Files.writeString(dir.resolve("prompts.txt"), "Once upon a time");
        Path csv = dir.resolve("out.csv");
        Path plot = dir.resolve("out.png");
        CliRun run = CliRun.of("eval", "--model", SharedModels.model("stories260K.gguf").toString(), "--prompts", prompts.toString(),
                "--methods", "none,streaming", "--budgets", "40", "--tokens", "4", "--min-context", "60", "--depths", "100",
                "--mode", "query-agnostic", "--threads", "1", "--csv", csv.toString(), "--plot", plot.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("1 prompt (contexts of at least 60 tokens), 4 tokens compared, needle query-agnostic")
                .containsPattern("\nmethod +budget +agreement +kl +needle +kv_bytes +store_bytes +ratio +reuse +prefill_ms +decode_tok_s\n")
                .containsPattern("\nnone +full +1\\.000 ")
                .containsPattern("\nstreaming +40 ");
        assertThat(Files.readAllLines(csv)).hasSize(3);
        assertThat(Files.size(plot)).isPositive();
    }

    @Test
    void badOptionsAreNamed(@TempDir Path dir) throws IOException {
        Path prompts = Files.writeString(dir.resolve("prompts.txt"), "Hello");
        String model = SharedModels.model("stories260K.gguf").toString();
        assertThat(CliRun.of("eval", "--model", model, "--prompts", prompts.toString(), "--budgets", "lots").err())
                .startsWith("error: budget 'lots' is neither a token count");
        assertThat(CliRun.of("eval", "--model", model, "--prompts", prompts.toString(), "--methods", "h2o").err())
                .startsWith("error: compression method 'h2o' is not one of: none, streaming, snapkv, pyramidkv, sentence, srh, srh-uniform,");
        assertThat(CliRun.of("eval", "--model", model, "--prompts", prompts.toString(), "--budgets", "8").err())
                .startsWith("error: budget 8 is less than the 4 sinks + 32 window tokens");
        assertThat(CliRun.of("eval", "--model", model, "--prompts", prompts.toString(), "--depths", "50,120").err())
                .startsWith("error: needle depths must be between 0 and 100 percent, got [50, 120]");
    }

    @Test
    void srhMethodsReadTheProfileAndRefuseOneOfAnotherModel(@TempDir Path dir) throws IOException {
        Path prompts = Files.writeString(dir.resolve("prompts.txt"), "Once upon a time");
        String profile = "classpath:dev/sift/engine/kv/stories260K.srh.json";
        CliRun run = CliRun.of("eval", "--model", SharedModels.model("stories260K.gguf").toString(), "--prompts",
                prompts.toString(), "--methods", "srh,srh-kvhead", "--budgets", "40", "--tokens", "4", "--min-context", "60",
                "--depths", "100", "--threads", "1", "--compression-profile", profile);
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("\nsrh +40 ").containsPattern("\nsrh-kvhead +40 ");

        CliRun other = CliRun.of("eval", "--model", SharedModels.model("synthetic/tiny-llama-f32.gguf").toString(),
                "--prompts", prompts.toString(), "--methods", "srh", "--compression-profile", profile);
        assertThat(other.exitCode()).isEqualTo(1);
        assertThat(other.err()).startsWith("error: the SRH profile was calibrated on llama (llama, 5 layers");
    }
}
