package dev.sift.engine.cli;

import dev.sift.engine.SharedModels;
import dev.sift.engine.kv.SrhProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CalibrateCommandTest {

    private static final String MODEL = SharedModels.model("stories260K.gguf").toString();

    @Test
    void writesTheProfileWithAProgressBarAndASummary(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("profile.json");
        Path needles = Files.writeString(dir.resolve("needles.tsv"), "The dog's name was Bob.\tThe dog's name was\tBob\n");
        CliRun run = CliRun.of("calibrate", "--model", MODEL, "--context", "512", "--threads", "1", "--out", out.toString(),
                "--needles", needles.toString(), "--lengths", "70", "--depths", "90,100", "--score", "copy",
                "--heads", "2", "--probe-tokens", "4");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("retrieval heads [##############################] 2/2 runs")
                .contains("layer errors    [##############################] 2/2 runs");
        assertThat(run.out()).containsPattern("wrote .*profile.json for llama \\(llama, 5 layers.*: \\d of 2 needle runs retrieved")
                .containsPattern("\nlayer  4  error 0\\.\\d{3}  retrieval heads \\[\\d, \\d]\n");
        SrhProfile profile = SrhProfile.load(out.toString());
        assertThat(profile.topHeads()).isEqualTo(2);
        assertThat(profile.calibration()).extracting(SrhProfile.Calibration::score, SrhProfile.Calibration::needles,
                SrhProfile.Calibration::probeTokens).containsExactly("copy", List.of("The dog's name was Bob."), 4);
    }

    @Test
    void badOptionsAreNamed(@TempDir Path dir) {
        String out = dir.resolve("profile.json").toString();
        assertThat(CliRun.of("calibrate", "--model", MODEL, "--out", out, "--score", "induction").err())
                .startsWith("error: retrieval score 'induction' is not one of: semantic, copy");
        assertThat(CliRun.of("calibrate", "--model", MODEL, "--context", "512", "--out", out, "--lengths", "900").err())
                .startsWith("error: a haystack of 900 tokens makes a");
        assertThat(CliRun.of("calibrate", "--model", MODEL, "--out", out, "--depths", "120").err())
                .startsWith("error: needle depths must be between 0 and 100 percent, got [120]");
        assertThat(CliRun.of("calibrate", "--model", MODEL, "--out", out, "--probe-budget", "20").err())
                .startsWith("error: budget 20 is less than the 4 sinks + 32 window tokens");
        assertThat(CliRun.of("calibrate", "--model", MODEL).exitCode()).isEqualTo(2);
        assertThat(Files.exists(dir.resolve("profile.json"))).isFalse();
    }
}
