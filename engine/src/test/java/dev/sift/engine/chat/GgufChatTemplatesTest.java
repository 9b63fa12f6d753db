package dev.sift.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sift.engine.SharedModels;
import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.GgufWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GgufChatTemplatesTest {

    private static final List<ChatMessage> CONVERSATION =
            List.of(ChatMessage.system("You are helpful."), ChatMessage.user("Hi!"));

    private static String render(String model) throws IOException {
        try (GgufFile file = GgufFile.open(SharedModels.model(model))) {
            return ChatTemplate.fromGguf(file).render(CONVERSATION, true);
        }
    }

    @Test
    void usesTheFilesLlama3TemplateWithItsBosToken() throws IOException {
        assertThat(render("synthetic/tiny-llama3-f32.gguf")).isEqualTo("<|begin_of_text|>"
                + "<|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    void usesTheFilesChatMlTemplate() throws IOException {
        assertThat(render("synthetic/tiny-qwen2-f32.gguf")).isEqualTo(""
                + "<|im_start|>system\nYou are helpful.<|im_end|>\n"
                + "<|im_start|>user\nHi!<|im_end|>\n"
                + "<|im_start|>assistant\n");
    }

    @Test
    void fallsBackToLlama2ForASentencePieceLlamaWithoutTemplate() throws IOException {
        try (GgufFile file = GgufFile.open(SharedModels.model("stories260K.gguf"))) {
            assertThat(ChatTemplate.fromGguf(file)).isSameAs(ChatTemplate.llama2());
        }
        assertThat(render("stories260K.gguf"))
                .isEqualTo("<s>[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\nHi! [/INST]");
    }

    @ParameterizedTest(name = "architecture {0}, tokenizer {1}, pre-tokenizer {2} -> {3}")
    @CsvSource({
        "llama, gpt2, llama-bpe, llama3",
        "llama, llama, '', llama2",
        "qwen2, gpt2, qwen2, chatml",
        "gemma, llama, '', chatml",
        "phi3, gpt2, '', chatml",
    })
    void fallsBackByTokenizer(String architecture, String model, String pre, String expected, @TempDir Path dir)
            throws IOException {
        GgufWriter writer = new GgufWriter()
                .putString("general.architecture", architecture)
                .putString("tokenizer.ggml.model", model);
        if (!pre.isEmpty()) {
            writer.putString("tokenizer.ggml.pre", pre);
        }
        writer.write(dir.resolve("model.gguf"));

        try (GgufFile file = GgufFile.open(dir.resolve("model.gguf"))) {
            assertThat(ChatTemplate.fromGguf(file)).isSameAs(ChatTemplate.builtIn(expected));
        }
    }

    @Test
    void aTokenIdMeaningNoneGivesAnEmptyTokenText(@TempDir Path dir) throws IOException {
        new GgufWriter()
                .putString("tokenizer.chat_template", "[{{ bos_token }}|{{ eos_token }}]")
                .putStringArray("tokenizer.ggml.tokens", "<unk>", "<s>", "</s>")
                .putUInt32("tokenizer.ggml.bos_token_id", 0xFFFF_FFFFL)
                .putUInt32("tokenizer.ggml.eos_token_id", 2)
                .write(dir.resolve("model.gguf"));

        try (GgufFile file = GgufFile.open(dir.resolve("model.gguf"))) {
            assertThat(ChatTemplate.fromGguf(file).render(List.of(), false)).isEqualTo("[|</s>]");
        }
    }
}
