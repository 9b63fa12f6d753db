package dev.sift.engine.chat;

import dev.sift.engine.gguf.GgufFile;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Turns a conversation into the prompt text a model was trained on.
 *
 * <p>A model file's own template ({@code tokenizer.chat_template}, Hugging Face Jinja) is rendered
 * as transformers renders it ({@link #jinja}); files without one fall back to a built-in format
 * ({@link #llama3()}, {@link #chatml()}, {@link #llama2()}). Special tokens appear in the prompt as
 * their text (e.g. {@code <|im_start|>}), so the tokenizer must parse special tokens when it
 * encodes the prompt.
 */
public interface ChatTemplate {

    /**
     * The prompt for a conversation.
     *
     * @param messages            the conversation so far
     * @param addGenerationPrompt whether to end with the header that opens the assistant's reply
     * @param tools               function definitions in OpenAI's shape
     *                            ({@code {"type": "function", "function": {"name", "description",
     *                            "parameters"}}}); null or empty for none
     * @param extraContext        further template variables, e.g. {@code enable_thinking} or
     *                            {@code date_string}; null for none
     * @throws ChatTemplateException    if the template fails or refuses the conversation (e.g.
     *                                  Gemma 2 refuses a system message)
     * @throws IllegalArgumentException if {@code extraContext} sets a variable that has its own
     *                                  argument ({@code messages}, {@code tools},
     *                                  {@code add_generation_prompt}, {@code bos_token},
     *                                  {@code eos_token})
     */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt, List<Map<String, Object>> tools,
            Map<String, Object> extraContext);

    /** The prompt for a conversation without tools or extra variables. */
    default String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, List.of(), Map.of());
    }

    /**
     * A Hugging Face Jinja chat template, rendered as transformers renders it (trim_blocks and
     * lstrip_blocks on, Python string methods, {@code tojson} as Python's {@code json.dumps},
     * {@code raise_exception}, {@code strftime_now} from the system clock). A render that takes
     * longer than 5 seconds or produces more than 1 MiB of text fails.
     *
     * @param source   the template source
     * @param bosToken the text of the beginning-of-sequence token, for {@code bos_token}
     * @param eosToken the text of the end-of-sequence token, for {@code eos_token}
     * @throws ChatTemplateException if the source is malformed
     */
    static ChatTemplate jinja(String source, String bosToken, String eosToken) {
        return jinja(source, bosToken, eosToken, Clock.systemDefaultZone());
    }

    /** {@link #jinja(String, String, String)} with {@code strftime_now} reading {@code clock}. */
    static ChatTemplate jinja(String source, String bosToken, String eosToken, Clock clock) {
        return new JinjaChatTemplate(source, bosToken, eosToken, clock, JinjaChatTemplate.DEFAULT_TIMEOUT);
    }

    /**
     * Llama 3's format: {@code <|begin_of_text|>}, then for each message
     * {@code <|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>} (content trimmed), then
     * {@code <|start_header_id|>assistant<|end_header_id|>\n\n} as the generation prompt.
     */
    static ChatTemplate llama3() {
        return BuiltInChatTemplate.LLAMA3;
    }

    /**
     * ChatML (Qwen and others): for each message {@code <|im_start|>role\ncontent<|im_end|>\n}, then
     * {@code <|im_start|>assistant\n} as the generation prompt.
     */
    static ChatTemplate chatml() {
        return BuiltInChatTemplate.CHATML;
    }

    /**
     * Llama 2 chat's format: {@code <s>[INST] user [/INST] assistant </s><s>[INST] user [/INST]},
     * with an optional leading system message folded into the first user turn as
     * {@code <<SYS>>\nsystem\n<</SYS>>\n\n}; user and assistant turns must alternate, starting with
     * the user. The generation prompt is implicit in {@code [/INST]}.
     */
    static ChatTemplate llama2() {
        return BuiltInChatTemplate.LLAMA2;
    }

    /**
     * A built-in format by name: {@code llama3}, {@code chatml} or {@code llama2}. Built-in formats
     * have no tool calling and ignore extra context.
     *
     * @throws IllegalArgumentException if there is no built-in format of that name
     */
    static ChatTemplate builtIn(String name) {
        return BuiltInChatTemplate.named(name);
    }

    /**
     * The chat template of a GGUF model: its {@code tokenizer.chat_template} with the texts of its
     * BOS and EOS tokens, or, when it has none, a built-in format chosen from its tokenizer:
     * {@link #llama3()} for the {@code llama-bpe} pre-tokenizer, {@link #llama2()} for a
     * SentencePiece Llama, and {@link #chatml()} for everything else (Qwen included).
     *
     * @throws ChatTemplateException if the file's template is malformed
     */
    static ChatTemplate fromGguf(GgufFile file) {
        return GgufChatTemplates.of(file);
    }
}
