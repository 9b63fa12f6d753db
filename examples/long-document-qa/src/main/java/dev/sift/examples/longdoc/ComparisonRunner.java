package dev.sift.examples.longdoc;

import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/** Prints the comparison table on startup; {@code longdoc.demo=false} turns it off (the tests do). */
@Component
@ConditionalOnProperty(name = "longdoc.demo", havingValue = "true", matchIfMissing = true)
public class ComparisonRunner implements CommandLineRunner {

    private final CompressionComparison comparison;
    private final LongDocProperties properties;

    public ComparisonRunner(CompressionComparison comparison, LongDocProperties properties) {
        this.comparison = comparison;
        this.properties = properties;
    }

    @Override
    public void run(String... args) {
        System.out.println("Document: " + comparison.document().length() + " characters");
        System.out.print(CompressionComparison.table(comparison.compare(properties.questions(), properties.methods(), properties.budgets())));
    }
}
