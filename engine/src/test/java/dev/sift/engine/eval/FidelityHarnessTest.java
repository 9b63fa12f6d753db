package dev.sift.engine.eval;

import dev.sift.engine.SharedModels;
import dev.sift.engine.generation.LoadedModel;
import dev.sift.engine.generation.ModelOptions;
import dev.sift.engine.kv.Budget;
import dev.sift.engine.kv.CompressionMethodKind;
import dev.sift.engine.kv.CompressionOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

/**
 * The harness on stories260K with a short context, small enough for a unit test (query-agnostic runs
 * in the command's test).
 */
class FidelityHarnessTest {

    private static final int CONTEXT = 80;
    private static final int TOKENS = 8;

    private static LoadedModel model;

    @BeforeAll
    static void load() throws IOException {
        model = LoadedModel.load(SharedModels.model("stories260K.gguf"), ModelOptions.DEFAULTS.withThreads(2));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static EvalReport run(List<EvalRow> streamed) {
        EvalOptions options = new EvalOptions(List.of(CompressionMethodKind.SNAPKV, CompressionMethodKind.NONE),
                List.of(Budget.tokens(48), Budget.parse("50%")), CompressionOptions.NONE, TOKENS, CONTEXT, EvalMode.QUERY_AWARE,
                List.of(0, 100));
        return new FidelityHarness(model, options).run(List.of(new EvalPrompt("once", "Once upon a time")),
                NeedleTask.defaults(), streamed::add);
    }

    @Test
    void measuresEachRunAgainstTheFullCache(@TempDir Path dir) throws IOException {
        List<EvalRow> streamed = new ArrayList<>();
        EvalReport report = run(streamed);

        assertThat(streamed).isEqualTo(report.rows());
        assertThat(report.rows()).extracting(EvalRow::method, EvalRow::budget)
                .containsExactly(tuple("none", "full"), tuple("snapkv", "48"), tuple("snapkv", "50%"));
        long bytesPerToken = 5L * 4 * 8 * 2 * ModelOptions.DEFAULTS.kvPrecision().bytes();
        EvalRow full = report.rows().getFirst();
        assertThat(full.agreement()).isEqualTo(1.0);
        assertThat(full.kl()).isCloseTo(0.0, within(1e-9));
        assertThat(full.kvBytes()).isEqualTo(CONTEXT * bytesPerToken);
        assertThat(full.ratio()).isEqualTo(1.0);
        EvalRow snap = report.rows().get(1);
        assertThat(snap.kvBytes()).isEqualTo(48 * bytesPerToken);
        assertThat(snap.ratio()).isEqualTo(48.0 / CONTEXT);
        assertThat(report.rows().get(2).ratio()).isEqualTo(0.5);
        for (EvalRow row : report.rows()) {
            assertThat(row.agreement()).isBetween(0.0, 1.0);
            assertThat(row.needle()).isBetween(0.0, 1.0);
            assertThat(row.kl()).isGreaterThanOrEqualTo(0.0);
            assertThat(row.prefillMs()).isPositive();
            assertThat(row.decodeTokensPerSecond()).isPositive();
        }

        assertThat(report.table().lines().toList()).hasSize(4).first().isEqualTo(EvalRow.tableHeader());
        assertThat(EvalRow.tableHeader()).startsWith("method     ").contains("agreement").endsWith("decode_tok_s");
        Path csv = dir.resolve("eval.csv");
        report.writeCsv(csv);
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines.getFirst()).isEqualTo("method,budget,agreement,kl,needle,kv_bytes,store_bytes,ratio,reuse,prefill_ms,decode_tok_s");
        assertThat(lines.get(1)).startsWith("none,full,1.0000,0.000000,");
        assertThat(lines.get(2)).startsWith("snapkv,48,").contains("," + 48 * bytesPerToken + ",0,0.6000,-,");

        Path png = dir.resolve("eval.png");
        EvalChart.write(report, png);
        byte[] image = Files.readAllBytes(png);
        assertThat(image).hasSizeGreaterThan(1000);
        assertThat(new String(image, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }

    @Test
    void agreementIsPositionwiseAndKlIsZeroForEqualDistributions() {
        assertThat(FidelityHarness.agreement(new int[]{1, 2, 3, 4}, new int[]{1, 9, 3, 4})).isEqualTo(0.75);
        float[][] p = {{1f, 2f, 3f}};
        assertThat(FidelityHarness.meanKl(p, p)).isZero();
        // KL([0.5, 0.5] || [0.25, 0.75]) = 0.5 ln 2 + 0.5 ln (2/3).
        float[][] q = {{0f, (float) Math.log(3)}};
        assertThat(FidelityHarness.meanKl(new float[][]{{0f, 0f}}, q))
                .isCloseTo(0.5 * Math.log(2) + 0.5 * Math.log(2.0 / 3), within(1e-7));
    }

    @Test
    void runsListTheFullCacheOnceAndFirst() {
        EvalOptions options = new EvalOptions(List.of(CompressionMethodKind.STREAMING, CompressionMethodKind.NONE,
                CompressionMethodKind.NONE), List.of(Budget.tokens(64), Budget.tokens(128)), CompressionOptions.NONE.withSinks(2),
                8, 0, EvalMode.QUERY_AWARE, List.of(50));
        assertThat(options.runs()).extracting(Object::toString).containsExactly("none",
                "streaming@64 (sinks 2, window 32, AVERAGE pooling 5, GQA MEAN)",
                "streaming@128 (sinks 2, window 32, AVERAGE pooling 5, GQA MEAN)");
    }
}
