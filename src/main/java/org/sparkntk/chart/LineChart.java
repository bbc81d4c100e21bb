package org.sparkntk.chart;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Line charts rendered to PNG bytes with XChart, headless (no display needed: java.awt.headless is
 * set before any AWT class loads). The shared drawing code of spark-ntk's pictures.
 *
 * @param title  chart title
 * @param xLabel x axis title
 * @param yLabel y axis title
 * @param logX   logarithmic x axis (all x must be > 0)
 * @param logY   logarithmic y axis (points with y <= 0 are left out)
 * @param series the lines, drawn in order
 */
public record LineChart(String title, String xLabel, String yLabel, boolean logX, boolean logY, List<Series> series) {

    /** One line: its legend name and points (non-finite y values are left out). */
    public record Series(String name, double[] x, double[] y) {
    }

    public LineChart {
        series = List.copyOf(series);
    }

    /** A linear y axis. */
    public LineChart(String title, String xLabel, String yLabel, boolean logX, List<Series> series) {
        this(title, xLabel, yLabel, logX, false, series);
    }

    /** Renders the chart as PNG bytes (width x height pixels). */
    public byte[] png(int width, int height) throws IOException {
        Headless.ensure();
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setXAxisLogarithmic(logX);
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setMarkerSize(5);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        for (Series s : series) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isFinite(s.y()[i]) && Double.isFinite(s.x()[i]) && (!logX || s.x()[i] > 0) && (!logY || s.y()[i] > 0)) {
                    xs.add(s.x()[i]);
                    ys.add(s.y()[i]);
                }
            }
            if (xs.isEmpty()) {
                continue;
            }
            XYSeries xy = chart.addSeries(s.name(), xs, ys);
            xy.setMarker(SeriesMarkers.CIRCLE);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        return out.toByteArray();
    }
}
