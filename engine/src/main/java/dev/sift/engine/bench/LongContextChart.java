package dev.sift.engine.bench;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * Draws long-context results as a PNG with XChart: decode speed and KV memory against the context
 * length, one line per method at one budget, and the full cache.
 */
public final class LongContextChart {

    private static final int WIDTH = 560;
    private static final int HEIGHT = 420;

    private LongContextChart() {
    }

    /**
     * Writes the two charts side by side.
     *
     * @param budget the budget (as given, e.g. {@code 2048}) whose rows are drawn
     */
    public static void write(List<LongContextRow> rows, String budget, Path png) throws IOException {
        List<LongContextRow> drawn = rows.stream()
                .filter(row -> row.compression().isNone() || row.budget().equals(budget)).toList();
        List<XYChart> charts = List.of(
                chart(drawn, "Decode speed (budget " + budget + ")", "tokens/s", LongContextRow::decodeTokensPerSecond),
                chart(drawn, "KV memory (attention + store, budget " + budget + ")", "MiB",
                        row -> (row.kvBytes() + row.storeBytes()) / (1024.0 * 1024.0)));
        try (OutputStream out = Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(charts, 1, charts.size(), out, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    private static XYChart chart(List<LongContextRow> rows, String title, String yAxis, ToDoubleFunction<LongContextRow> metric) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("context length (tokens)").yAxisTitle(yAxis).build();
        XYStyler styler = chart.getStyler();
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setXAxisLogarithmic(true);
        styler.setYAxisMin(0.0);
        styler.setMarkerSize(6);
        styler.setYAxisDecimalPattern("#,##0.#");
        styler.setXAxisDecimalPattern("#,###");
        Map<String, List<LongContextRow>> byMethod = rows.stream()
                .collect(Collectors.groupingBy(LongContextRow::method, LinkedHashMap::new, Collectors.toList()));
        byMethod.forEach((method, series) -> chart.addSeries(method,
                series.stream().mapToDouble(LongContextRow::context).toArray(),
                series.stream().mapToDouble(metric).toArray()));
        return chart;
    }
}
