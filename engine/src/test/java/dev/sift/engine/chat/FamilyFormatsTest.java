package dev.sift.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sift.engine.SharedModels;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each real template renders a system + user + assistant + user conversation as its model family
 * documents its prompt format (expected strings written from the format, with the families' real
 * special tokens).
 */
class FamilyFormatsTest {

    private static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are helpful."),
            ChatMessage.user("Hi!"),
            ChatMessage.assistant("Hello."),
            ChatMessage.user("What is 2+2?"));
    private static final Clock JULY_26_2024 = Clock.fixed(Instant.parse("2024-07-26T10:00:00Z"), ZoneOffset.UTC);

    private static ChatTemplate template(String file, String bos, String eos) throws IOException {
        return ChatTemplate.jinja(Files.readString(SharedModels.model("templates/" + file)), bos, eos, JULY_26_2024);
    }

    @Test
    void llama32HeadersEachTurnAndDatesTheSystemPromptWithStrftimeNow() throws IOException {
        ChatTemplate llama = template("meta-llama-Llama-3.2-3B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>");

        assertThat(llama.render(CONVERSATION, true)).isEqualTo("<|begin_of_text|>"
                + "<|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nYou are helpful.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    void llama31HasTheSameFormatWithItsFixedDefaultDate() throws IOException {
        ChatTemplate llama = template("meta-llama-Llama-3.1-8B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>");

        assertThat(llama.render(CONVERSATION, false)).isEqualTo("<|begin_of_text|>"
                + "<|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nYou are helpful.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>");
    }

    @Test
    void qwen25IsChatMl() throws IOException {
        ChatTemplate qwen = template("Qwen-Qwen2.5-7B-Instruct.jinja", "", "<|im_end|>");

        assertThat(qwen.render(CONVERSATION, true)).isEqualTo(""
                + "<|im_start|>system\nYou are helpful.<|im_end|>\n"
                + "<|im_start|>user\nHi!<|im_end|>\n"
                + "<|im_start|>assistant\nHello.<|im_end|>\n"
                + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n");
    }

    @Test
    void qwen3IsChatMlAndCanTurnThinkingOff() throws IOException {
        ChatTemplate qwen = template("Qwen-Qwen3-0.6B.jinja", "", "<|im_end|>");
        String chatMl = ""
                + "<|im_start|>system\nYou are helpful.<|im_end|>\n"
                + "<|im_start|>user\nHi!<|im_end|>\n"
                + "<|im_start|>assistant\nHello.<|im_end|>\n"
                + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n";

        assertThat(qwen.render(CONVERSATION, true)).isEqualTo(chatMl);
        assertThat(qwen.render(CONVERSATION, true, List.of(), Map.of("enable_thinking", false)))
                .isEqualTo(chatMl + "<think>\n\n</think>\n\n");
    }

    @Test
    void phi35TagsEachTurnAndEndsItWithEnd() throws IOException {
        ChatTemplate phi = template("microsoft-Phi-3.5-mini-instruct.jinja", "<s>", "<|endoftext|>");

        assertThat(phi.render(CONVERSATION, true)).isEqualTo(""
                + "<|system|>\nYou are helpful.<|end|>\n"
                + "<|user|>\nHi!<|end|>\n"
                + "<|assistant|>\nHello.<|end|>\n"
                + "<|user|>\nWhat is 2+2?<|end|>\n"
                + "<|assistant|>\n");
    }

    @Test
    void mistralNemoPutsTheSystemPromptInTheLastUserTurn() throws IOException {
        ChatTemplate mistral = template("mistralai-Mistral-Nemo-Instruct-2407.jinja", "<s>", "</s>");

        assertThat(mistral.render(CONVERSATION, true))
                .isEqualTo("<s>[INST]Hi![/INST]Hello.</s>[INST]You are helpful.\n\nWhat is 2+2?[/INST]");
    }

    @Test
    void smolLm3WritesItsMetadataHeaderIntoTheSystemTurn() throws IOException {
        ChatTemplate smol = template("HuggingFaceTB-SmolLM3-3B.jinja", "", "<|im_end|>");

        assertThat(smol.render(CONVERSATION, true)).isEqualTo(""
                + "<|im_start|>system\n## Metadata\n\nKnowledge Cutoff Date: June 2025\nReasoning Mode: /think\n\n"
                + "## Custom Instructions\n\nYou are helpful.\n\n<|im_end|>\n"
                + "<|im_start|>user\nHi!<|im_end|>\n"
                + "<|im_start|>assistant\nHello.<|im_end|>\n"
                + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n");
    }

    @Test
    void deepSeekR1OpensTheReplyWithAThinkBlock() throws IOException {
        ChatTemplate deepSeek = template("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja",
                "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>");

        assertThat(deepSeek.render(CONVERSATION, true, List.of(), Map.of("enable_thinking", true)))
                .isEqualTo("<｜begin▁of▁sentence｜>You are helpful."
                        + "<｜User｜>Hi!<｜Assistant｜>Hello.<｜end▁of▁sentence｜>"
                        + "<｜User｜>What is 2+2?<｜Assistant｜><think>\n");
    }

    @Test
    void gemma2CallsTheAssistantModelAndRefusesSystemMessages() throws IOException {
        ChatTemplate gemma = template("google-gemma-2-2b-it.jinja", "<bos>", "<eos>");

        assertThat(gemma.render(CONVERSATION.subList(1, 4), true)).isEqualTo("<bos>"
                + "<start_of_turn>user\nHi!<end_of_turn>\n"
                + "<start_of_turn>model\nHello.<end_of_turn>\n"
                + "<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n"
                + "<start_of_turn>model\n");
        assertThatThrownBy(() -> gemma.render(CONVERSATION, true))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessage("System role not supported");
    }
}
