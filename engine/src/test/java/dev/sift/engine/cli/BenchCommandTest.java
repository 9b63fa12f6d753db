package dev.sift.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {

    @Test
    void generatesAModelThenMeasuresIt(@TempDir Path dir) {
        Path file = dir.resolve("tiny.gguf");
        CliRun generated = CliRun.of("bench", "--generate-model", file.toString(), "--shape", "tiny", "--type", "q4_0");
        assertThat(generated.exitCode()).as(generated.err()).isZero();
        assertThat(generated.out()).contains("tiny shape", "Q4_0");
        assertThat(Files.exists(file)).isTrue();

        CliRun bench = CliRun.of("bench", "--model", file.toString(), "--prompt-tokens", "6", "--gen-tokens", "3",
                "--runs", "2", "--threads", "2", "--bandwidth", "20", "--kv-type", "f32");
        assertThat(bench.exitCode()).as(bench.err()).isZero();
        assertThat(bench.out()).contains("f32 KV cache", "prefill (6 tokens):", "decode (3 tokens):", "median", "bandwidth limit at 20.0 GB/s");
        assertThat(bench.err()).contains("run 2/2");
    }

    @Test
    void measuresTheReadBandwidth() {
        CliRun run = CliRun.of("bench", "--measure-bandwidth", "--threads", "2", "--bandwidth-size", "64");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("read bandwidth: \\d+\\.\\d GB/s \\(2 threads streaming 64 MiB, median of 5\\)");
        double gigabytesPerSecond = Double.parseDouble(run.out().replaceAll("(?s).*read bandwidth: ([0-9.]+) GB/s.*", "$1"));
        assertThat(gigabytesPerSecond).isBetween(0.1, 10_000.0);
        assertThat(CliRun.of("bench", "--measure-bandwidth", "--bandwidth-size", "0").err())
                .contains("--bandwidth-size: the bandwidth probe needs at least one run over at least 1 MiB");
    }

    @Test
    void refusesUnknownShapesAndTypesAndAMissingModel(@TempDir Path dir) {
        assertThat(CliRun.of("bench", "--generate-model", dir.resolve("x.gguf").toString(), "--shape", "huge").err())
                .contains("unknown shape 'huge'");
        assertThat(CliRun.of("bench", "--generate-model", dir.resolve("x.gguf").toString(), "--shape", "tiny", "--type", "q2_k").err())
                .contains("cannot generate weights of type 'q2_k'");
        assertThat(CliRun.of("bench", "--model", dir.resolve("x.gguf").toString(), "--kv-type", "q8").err())
                .contains("unknown KV cache type 'q8' (choose f16 or f32)");
        CliRun missing = CliRun.of("bench");
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.err()).contains("--model");
    }
}
