package dev.sift.examples.longdoc;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.util.List;

/**
 * {@code longdoc.*}: what the comparison asks, and with which compression.
 *
 * @param questions questions about the document
 * @param methods   compression methods: none, streaming, snapkv, pyramidkv, sentence
 * @param budgets   budgets: entries per layer ("256") or a share of the prompt ("25%")
 */
@ConfigurationProperties("longdoc")
public record LongDocProperties(List<String> questions, List<String> methods, List<String> budgets) {

    public LongDocProperties {
        questions = questions == null ? List.of() : List.copyOf(questions);
        methods = methods == null ? List.of("none", "streaming", "snapkv", "pyramidkv", "sentence") : List.copyOf(methods);
        budgets = budgets == null ? List.of("128", "256", "25%") : List.copyOf(budgets);
    }
}
