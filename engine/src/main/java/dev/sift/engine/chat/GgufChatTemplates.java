package dev.sift.engine.chat;

import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.GgufFormatException;
import java.util.Optional;

/** Chooses a GGUF model's chat template (see {@link ChatTemplate#fromGguf}). */
final class GgufChatTemplates {

    private GgufChatTemplates() {
    }

    static ChatTemplate of(GgufFile file) {
        Optional<String> template = file.string("tokenizer.chat_template");
        if (template.isEmpty()) {
            return fallback(file);
        }
        String[] tokens = file.stringArray("tokenizer.ggml.tokens").orElse(new String[0]);
        return ChatTemplate.jinja(template.get(), tokenText(file, "tokenizer.ggml.bos_token_id", tokens),
                tokenText(file, "tokenizer.ggml.eos_token_id", tokens));
    }

    /** The built-in format that matches a file's tokenizer. */
    private static ChatTemplate fallback(GgufFile file) {
        if (file.string("tokenizer.ggml.pre").orElse("").equals("llama-bpe")) {
            return ChatTemplate.llama3();
        }
        boolean sentencePieceLlama = file.string("tokenizer.ggml.model").orElse("").equals("llama")
                && file.string("general.architecture").orElse("").equals("llama");
        return sentencePieceLlama ? ChatTemplate.llama2() : ChatTemplate.chatml();
    }

    /** The text of the token whose id is under {@code key}, or "" when the file names none. */
    private static String tokenText(GgufFile file, String key, String[] tokens) {
        Optional<Integer> id;
        try {
            id = file.integer(key);
        } catch (GgufFormatException e) {
            // llama.cpp writes 2^32 - 1, which does not fit an int, for "no such token".
            return "";
        }
        return id.filter(i -> i >= 0 && i < tokens.length).map(i -> tokens[i]).orElse("");
    }
}
