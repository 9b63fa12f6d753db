package dev.sift.engine.cli;

import dev.sift.engine.Json;
import dev.sift.engine.SharedModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SiftCliTest {

    @Test
    void generatePrintsTheReferenceContinuation() throws IOException {
        Map<String, Object> reference = Json.object(SharedModels.model("reference/once-upon.json"));
        int tokens = Json.ints(reference.get("greedy_tokens")).length;
        CliRun run = CliRun.of("generate", "--model", SharedModels.model("stories260K.gguf").toString(),
                "--prompt", "Once upon a time", "--temperature", "0", "--max-tokens", String.valueOf(tokens));
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo(reference.get("greedy_text") + System.lineSeparator());
    }

    @Test
    void generateWithChatUsesTheModelsTemplate() throws IOException {
        Map<String, Object> reference = Json.object(SharedModels.model("synthetic/tiny-llama3-f32.json"));
        Map<?, ?> chatCase = ((java.util.List<?>) reference.get("cases")).stream().map(c -> (Map<?, ?>) c)
                .filter(c -> c.get("name").equals("chat")).findFirst().orElseThrow();
        CliRun run = CliRun.of("generate", "--model", SharedModels.model("synthetic/tiny-llama3-f32.gguf").toString(),
                "--prompt", "Hello, who are you?", "--system", "You are a helpful assistant.", "--chat",
                "--temperature", "0", "--max-tokens", "8", "--stats");
        assertThat(run.exitCode()).as(run.err()).isZero();
        // The same conversation rendered by hand with the file's Llama 3 template is the reference's
        // "chat" case, whose greedy reply llama.cpp recorded.
        assertThat(run.err()).contains("8 generated tokens");
        String reply = run.out().substring(0, run.out().length() - System.lineSeparator().length());
        assertThat(reply).isNotEmpty();
        assertThat((String) chatCase.get("generated_text")).startsWith(reply);
    }

    @Test
    void infoDescribesTheModel() {
        CliRun run = CliRun.of("info", "--model", SharedModels.model("stories260K.gguf").toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("architecture    llama")
                .contains("context length  2048")
                .contains("embedding       64")
                .contains("layers          5")
                .contains("heads           8 query, 4 key/value (group of 2), head size 8")
                .contains("feed-forward    172")
                .contains("tokenizer       llama, 512 tokens, bos 1, eos 2")
                .containsPattern("F32 +\\d+ tensors");
    }

    @Test
    void infoSummarisesTensorTypes() {
        CliRun run = CliRun.of("info", "--model", SharedModels.model("synthetic/tiny-llama-q4_0.gguf").toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        // 2-D weights are Q4_0 (2 layers x 7 + embedding + output), 1-D norms stay F32 (2 x 2 + 1).
        assertThat(run.out()).containsPattern("Q4_0 +16 tensors").containsPattern("F32 +5 tensors");
    }

    @Test
    void aBrokenFileGivesOneClearErrorLine(@TempDir Path dir) throws IOException {
        Path broken = Files.write(dir.resolve("broken.gguf"), new byte[]{'G', 'G', 'U', 'F', 3, 0, 0, 0, 1});
        CliRun run = CliRun.of("generate", "--model", broken.toString(), "--prompt", "hi");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: file is truncated").doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void aMissingFileIsNamed() {
        CliRun run = CliRun.of("info", "--model", "no-such-model.gguf");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("error: no such file: no-such-model.gguf" + System.lineSeparator());
    }
}
