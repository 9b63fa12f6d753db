package dev.sift.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuiltInChatTemplateTest {

    private static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are helpful."),
            ChatMessage.user("Hi!"),
            ChatMessage.assistant("Hello."),
            ChatMessage.user("What is 2+2?"));

    @Test
    void llama3() {
        assertThat(ChatTemplate.llama3().render(CONVERSATION, true)).isEqualTo("<|begin_of_text|>"
                + "<|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    void llama3TrimsContentAsMetasTemplateDoes() {
        assertThat(ChatTemplate.llama3().render(List.of(ChatMessage.user("  Hi!\n")), false))
                .isEqualTo("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>");
    }

    @Test
    void chatml() {
        assertThat(ChatTemplate.chatml().render(CONVERSATION, true)).isEqualTo(""
                + "<|im_start|>system\nYou are helpful.<|im_end|>\n"
                + "<|im_start|>user\nHi!<|im_end|>\n"
                + "<|im_start|>assistant\nHello.<|im_end|>\n"
                + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n");
        assertThat(ChatTemplate.chatml().render(CONVERSATION.subList(1, 2), false))
                .isEqualTo("<|im_start|>user\nHi!<|im_end|>\n");
    }

    @Test
    void llama2FoldsTheSystemPromptIntoTheFirstInstruction() {
        assertThat(ChatTemplate.llama2().render(CONVERSATION, true))
                .isEqualTo("<s>[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\nHi! [/INST] Hello. </s>"
                        + "<s>[INST] What is 2+2? [/INST]");
        assertThat(ChatTemplate.llama2().render(CONVERSATION.subList(1, 2), true)).isEqualTo("<s>[INST] Hi! [/INST]");
    }

    @Test
    void llama2RequiresAlternatingTurns() {
        List<ChatMessage> twoUserTurns = List.of(ChatMessage.user("Hi!"), ChatMessage.user("Anyone?"));

        assertThatThrownBy(() -> ChatTemplate.llama2().render(twoUserTurns, true))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("must alternate user/assistant");
    }

    @Test
    void builtInsAreFoundByName() {
        assertThat(ChatTemplate.builtIn("llama3")).isSameAs(ChatTemplate.llama3());
        assertThat(ChatTemplate.builtIn("chatml")).isSameAs(ChatTemplate.chatml());
        assertThat(ChatTemplate.builtIn("llama2")).isSameAs(ChatTemplate.llama2());
        assertThatThrownBy(() -> ChatTemplate.builtIn("vicuna"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no built-in chat format 'vicuna' (built in: llama3, chatml, llama2)");
    }

    @Test
    void builtInsRefuseToolsRatherThanDropThem() {
        List<Map<String, Object>> tools = List.of(Map.of("type", "function", "function", Map.of("name", "f")));
        List<ChatMessage> toolResult = List.of(ChatMessage.user("Hi!"), ChatMessage.tool("18 C", null, "weather"));

        assertThatThrownBy(() -> ChatTemplate.chatml().render(CONVERSATION, true, tools, Map.of()))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessage("the built-in chatml chat format has no tool calling");
        assertThatThrownBy(() -> ChatTemplate.llama3().render(toolResult, true))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessage("the built-in llama3 chat format has no tool calls or tool results");
    }
}
