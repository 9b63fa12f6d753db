package dev.sift.examples.longdoc;

import dev.sift.spring.springai.SiftChatOptions;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.io.Resource;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Puts the whole document in the prompt and asks a question once per compression method and budget.
 * Each answer's cost comes from the response metadata Sift adds: {@code sift.kv-bytes} (KV-cache
 * bytes held after the prompt was compressed), {@code sift.kv-kept-ratio} (share of the prompt's
 * entries kept) and {@code sift.compression-method}.
 */
@Service
public class CompressionComparison {

    /**
     * One answer and its cost.
     *
     * @param question     the question asked
     * @param method       the compression method the engine reports having used
     * @param budget       the budget asked for: a token count or a share such as 25%
     * @param answer       the model's answer
     * @param promptTokens tokens of the prompt, document included
     * @param kvBytes      KV-cache bytes held after compression
     * @param keptRatio    share of the prompt's KV entries kept, 1.0 for none
     * @param timeMs       wall time of the request
     */
    public record Row(String question, String method, String budget, String answer, int promptTokens, long kvBytes,
                      double keptRatio, long timeMs) {
    }

    private final ChatClient chatClient;
    private final String document;

    public CompressionComparison(ChatModel chatModel, @Value("${longdoc.document:classpath:stories.txt}") Resource document) {
        this.chatClient = ChatClient.create(chatModel);
        try {
            this.document = document.getContentAsString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the document " + document, e);
        }
    }

    public String document() {
        return document;
    }

    /** One row per question × method × budget, in that order. */
    public List<Row> compare(List<String> questions, List<String> methods, List<String> budgets) {
        List<Row> rows = new ArrayList<>();
        for (String question : questions) {
            for (String method : methods) {
                for (String budget : budgets) {
                    rows.add(ask(question, method, budget));
                }
            }
        }
        return rows;
    }

    /** Asks one question about the document with the given compression. */
    public Row ask(String question, String method, String budget) {
        long start = System.nanoTime();
        // No conversation id: each request reads the document afresh into a cache of its own.
        ChatResponse response = chatClient.prompt()
                .user(document + "\n\nQuestion: " + question + "\nAnswer:")
                .options(SiftChatOptions.builder().compressionMethod(method).compressionBudget(budget))
                .call().chatResponse();
        long timeMs = (System.nanoTime() - start) / 1_000_000;
        ChatResponseMetadata metadata = response.getMetadata();
        return new Row(question, String.valueOf(metadata.<Object>get("sift.compression-method")), budget,
                response.getResult().getOutput().getText(), metadata.getUsage().getPromptTokens(),
                number(metadata, "sift.kv-bytes").longValue(), number(metadata, "sift.kv-kept-ratio").doubleValue(), timeMs);
    }

    private static Number number(ChatResponseMetadata metadata, String key) {
        Object value = metadata.get(key);
        if (!(value instanceof Number number)) {
            throw new IllegalStateException("the response has no number under " + key + ": " + value);
        }
        return number;
    }

    /** The rows as a fixed-width text table, answers cut to their first 40 characters. */
    public static String table(List<Row> rows) {
        String format = "%-10s %-7s %-40s %7s %10s %6s %8s%n";
        StringBuilder table = new StringBuilder();
        String question = null;
        for (Row row : rows) {
            if (!row.question().equals(question)) {
                question = row.question();
                table.append(String.format(Locale.ROOT, "%nQuestion: %s (prompt: %d tokens)%n", question, row.promptTokens()));
                table.append(String.format(Locale.ROOT, format, "method", "budget", "answer (first 40 chars)", "KV KiB",
                        "KV bytes", "kept", "time ms"));
            }
            table.append(String.format(Locale.ROOT, format, row.method(), row.budget(), first40(row.answer()),
                    String.format(Locale.ROOT, "%.1f", row.kvBytes() / 1024.0), row.kvBytes(),
                    String.format(Locale.ROOT, "%.3f", row.keptRatio()), row.timeMs()));
        }
        return table.toString();
    }

    private static String first40(String answer) {
        String flat = answer == null ? "" : answer.strip().replaceAll("\\s+", " ");
        return flat.length() <= 40 ? flat : flat.substring(0, 40);
    }
}
