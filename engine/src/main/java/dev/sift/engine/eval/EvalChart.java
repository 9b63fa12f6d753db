package dev.sift.engine.eval;

import dev.sift.engine.kv.CompressionMethodKind;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Draws a report as a PNG with XChart: agreement, KL divergence and needle score against the share
 * of the KV cache kept, one line per method; the full cache is the point at 1.
 */
public final class EvalChart {

    private static final int WIDTH = 520;
    private static final int HEIGHT = 400;

    private EvalChart() {
    }

    /** Writes the three charts side by side to a PNG file. */
    public static void write(EvalReport report, Path png) throws IOException {
        List<XYChart> charts = List.of(
                chart(report, "Greedy agreement", "agreement", EvalRow::agreement, true),
                chart(report, "KL divergence from the full cache", "KL (nats)", EvalRow::kl, false),
                chart(report, "Needle in a haystack", "needle score", EvalRow::needle, true));
        try (OutputStream out = Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(charts, 1, charts.size(), out, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    /** @param fraction the metric lies in [0, 1], and the axis shows all of it */
    private static XYChart chart(EvalReport report, String title, String yAxis, ToDoubleFunction<EvalRow> metric,
                                 boolean fraction) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("KV kept (fraction of the full cache)").yAxisTitle(yAxis).build();
        XYStyler styler = chart.getStyler();
        styler.setLegendPosition(Styler.LegendPosition.InsideSE);
        styler.setYAxisMin(0.0);
        styler.setYAxisDecimalPattern("0.####");
        if (fraction) {
            styler.setYAxisMax(1.0);
        }
        Map<CompressionMethodKind, List<EvalRow>> byMethod = new LinkedHashMap<>();
        for (EvalRow row : report.rows()) {
            byMethod.computeIfAbsent(row.compression().method(), m -> new ArrayList<>()).add(row);
        }
        byMethod.forEach((method, rows) -> chart.addSeries(method.label(),
                rows.stream().mapToDouble(EvalRow::ratio).toArray(),
                rows.stream().mapToDouble(metric).toArray()));
        return chart;
    }
}
