package dev.sift.examples.longdoc;

import dev.sift.engine.SharedModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(properties = {"longdoc.demo=false", "sift.chat.max-tokens=8", "sift.model.threads=2"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LongDocumentQaApplicationTest {

    static final List<String> METHODS = List.of("none", "streaming", "snapkv", "pyramidkv", "sentence");
    static final List<String> BUDGETS = List.of("128", "256", "25%");

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        registry.add("sift.model.path", () -> SharedModels.model("stories260K.gguf").toString());
    }

    @Autowired
    CompressionComparison comparison;
    @Autowired
    LongDocProperties properties;

    List<CompressionComparison.Row> rows;

    @BeforeAll
    void compare() {
        rows = comparison.compare(List.of("Who had a gray cat named Pepper?"), METHODS, BUDGETS);
        System.out.print(CompressionComparison.table(rows));
    }

    @Test
    void oneRowPerMethodAndBudget() {
        assertThat(rows).hasSize(METHODS.size() * BUDGETS.size());
        assertThat(rows).extracting(row -> row.method() + "/" + row.budget()).containsExactly(
                METHODS.stream().flatMap(method -> BUDGETS.stream().map(budget -> method + "/" + budget)).toArray(String[]::new));
        // The document is longer than stories260K's 512 trained tokens and fits the configured 2048.
        assertThat(rows).allSatisfy(row -> assertThat(row.promptTokens()).isBetween(800, 2048 - 8));
        assertThat(rows).allSatisfy(row -> assertThat(row.answer()).isNotNull());
    }

    @Test
    void noneKeepsEverythingAndEveryCompressedRowHoldsLess() {
        List<CompressionComparison.Row> none = rows.stream().filter(row -> row.method().equals("none")).toList();
        assertThat(none).hasSize(BUDGETS.size()).allSatisfy(row -> assertThat(row.keptRatio()).isEqualTo(1.0));
        long noneBytes = none.getFirst().kvBytes();
        assertThat(none).allSatisfy(row -> assertThat(row.kvBytes()).isEqualTo(noneBytes));
        assertThat(noneBytes).isPositive();

        List<CompressionComparison.Row> compressed = rows.stream().filter(row -> !row.method().equals("none")).toList();
        assertThat(compressed).hasSize((METHODS.size() - 1) * BUDGETS.size()).allSatisfy(row -> {
            assertThat(row.kvBytes()).isPositive().isLessThan(noneBytes);
            assertThat(row.keptRatio()).isGreaterThan(0.0).isLessThan(1.0);
        });
    }

    @Test
    void aLargerBudgetKeepsMore() {
        for (String method : METHODS.subList(1, METHODS.size())) {
            List<CompressionComparison.Row> byBudget = rows.stream().filter(row -> row.method().equals(method)).toList();
            // 128 < 256 entries; 25% of a prompt of over 1000 tokens is more than 256.
            assertThat(byBudget.get(0).kvBytes()).as(method).isLessThan(byBudget.get(1).kvBytes());
            assertThat(byBudget.get(1).kvBytes()).as(method).isLessThan(byBudget.get(2).kvBytes());
        }
    }

    @Test
    void theDemoComparesWhatApplicationYmlLists() {
        assertThat(properties.methods()).isEqualTo(METHODS);
        assertThat(properties.budgets()).isEqualTo(BUDGETS);
        assertThat(properties.questions()).hasSize(2).first().isEqualTo("Who had a gray cat named Pepper?");
    }

    @Test
    void theTablePrintsEveryRow() {
        String table = CompressionComparison.table(rows);
        assertThat(table.lines().filter(line -> line.matches("^(none|streaming|snapkv|pyramidkv|sentence) .*"))).hasSize(rows.size());
        assertThat(table).contains("Question: Who had a gray cat named Pepper?").contains("KV bytes").contains("kept");
    }
}
