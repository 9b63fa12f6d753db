package dev.sift.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BenchCommandTest {

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = SiftCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exitCode = cli.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    @Test
    void generatesAModelThenMeasuresIt(@TempDir Path dir) {
        Path file = dir.resolve("tiny.gguf");
        Run generated = run("bench", "--generate-model", file.toString(), "--shape", "tiny", "--type", "q4_0");
        assertThat(generated.exitCode()).as(generated.err()).isZero();
        assertThat(generated.out()).contains("tiny shape", "Q4_0");
        assertThat(Files.exists(file)).isTrue();

        Run bench = run("bench", "--model", file.toString(), "--prompt-tokens", "6", "--gen-tokens", "3",
                "--runs", "2", "--threads", "2", "--bandwidth", "20");
        assertThat(bench.exitCode()).as(bench.err()).isZero();
        assertThat(bench.out()).contains("prefill (6 tokens):", "decode (3 tokens):", "median", "bandwidth limit at 20.0 GB/s");
        assertThat(bench.err()).contains("run 2/2");
    }

    @Test
    void refusesUnknownShapesAndTypesAndAMissingModel(@TempDir Path dir) {
        assertThat(run("bench", "--generate-model", dir.resolve("x.gguf").toString(), "--shape", "huge").err())
                .contains("unknown shape 'huge'");
        assertThat(run("bench", "--generate-model", dir.resolve("x.gguf").toString(), "--shape", "tiny", "--type", "q2_k").err())
                .contains("cannot generate weights of type 'q2_k'");
        Run missing = run("bench");
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.err()).contains("--model");
    }
}
