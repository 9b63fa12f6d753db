package dev.sift.engine.chat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The chat formats written out in Java, for model files without a template of their own (see
 * {@link ChatTemplate#llama3()}, {@link ChatTemplate#chatml()} and {@link ChatTemplate#llama2()}
 * for the formats). They render plain conversations: tools, tool calls and tool results are refused.
 */
enum BuiltInChatTemplate implements ChatTemplate {

    LLAMA3("llama3") {
        @Override
        String format(List<ChatMessage> messages, boolean addGenerationPrompt) {
            StringBuilder out = new StringBuilder("<|begin_of_text|>");
            for (ChatMessage message : messages) {
                out.append("<|start_header_id|>").append(message.role()).append("<|end_header_id|>\n\n")
                        .append(PythonStrings.strip(message.content(), null)).append("<|eot_id|>");
            }
            if (addGenerationPrompt) {
                out.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
            }
            return out.toString();
        }
    },

    CHATML("chatml") {
        @Override
        String format(List<ChatMessage> messages, boolean addGenerationPrompt) {
            StringBuilder out = new StringBuilder();
            for (ChatMessage message : messages) {
                out.append("<|im_start|>").append(message.role()).append('\n')
                        .append(message.content()).append("<|im_end|>\n");
            }
            if (addGenerationPrompt) {
                out.append("<|im_start|>assistant\n");
            }
            return out.toString();
        }
    },

    LLAMA2("llama2") {
        @Override
        String format(List<ChatMessage> messages, boolean addGenerationPrompt) {
            List<ChatMessage> turns = messages;
            String system = null;
            if (!messages.isEmpty() && messages.getFirst().role().equals("system")) {
                system = messages.getFirst().content();
                turns = messages.subList(1, messages.size());
            }
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < turns.size(); i++) {
                ChatMessage turn = turns.get(i);
                if (!turn.role().equals(i % 2 == 0 ? "user" : "assistant")) {
                    throw new ChatTemplateException("llama2: after the optional system message, conversation roles "
                            + "must alternate user/assistant/user/assistant/...");
                }
                String content = i == 0 && system != null
                        ? "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + turn.content()
                        : turn.content();
                if (turn.role().equals("user")) {
                    out.append("<s>[INST] ").append(PythonStrings.strip(content, null)).append(" [/INST]");
                } else {
                    out.append(' ').append(PythonStrings.strip(content, null)).append(" </s>");
                }
            }
            return out.toString();
        }
    };

    private final String formatName;

    BuiltInChatTemplate(String formatName) {
        this.formatName = formatName;
    }

    static BuiltInChatTemplate named(String name) {
        return Arrays.stream(values()).filter(t -> t.formatName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no built-in chat format '" + name + "' (built in: "
                        + Arrays.stream(values()).map(t -> t.formatName).collect(Collectors.joining(", ")) + ")"));
    }

    abstract String format(List<ChatMessage> messages, boolean addGenerationPrompt);

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, List<Map<String, Object>> tools,
            Map<String, Object> extraContext) {
        if (tools != null && !tools.isEmpty()) {
            throw new ChatTemplateException("the built-in " + formatName + " chat format has no tool calling");
        }
        for (ChatMessage message : messages) {
            if (message.role().equals("tool") || !message.toolCalls().isEmpty()) {
                throw new ChatTemplateException("the built-in " + formatName
                        + " chat format has no tool calls or tool results");
            }
        }
        return format(messages, addGenerationPrompt);
    }

    @Override
    public String toString() {
        return formatName;
    }
}
