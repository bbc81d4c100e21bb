package org.sparkntk.chart;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

/**
 * A matrix drawn as a heat map with a colour bar, rendered to PNG bytes with XChart's HeatMapChart,
 * headless. Row 0 is drawn at the top (matrix convention, not XChart's y-up). XChart draws one
 * rectangle per cell: 1000 x 1000 cells take ~3.5 s on the 2-core VM (docs/plots.md), so callers
 * average the matrix down to about the plot's pixels first.
 *
 * @param title  chart title
 * @param xLabel x axis title (columns)
 * @param yLabel y axis title (rows)
 * @param z      the cells, z[row][col], all rows the same length
 */
public record HeatMap(String title, String xLabel, String yLabel, double[][] z) {

    /** Renders the chart as PNG bytes (width x height pixels). */
    public byte[] png(int width, int height) throws IOException {
        Headless.ensure();
        int rows = z.length;
        int cols = rows == 0 ? 0 : z[0].length;
        HeatMapChart chart = new HeatMapChartBuilder().width(width).height(height).title(title)
                .xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setPlotContentSize(1.0);
        chart.getStyler().setShowValue(false);
        // one tick per cell would be unreadable: the axis titles say what the cells are
        chart.getStyler().setXAxisTicksVisible(false);
        chart.getStyler().setYAxisTicksVisible(false);
        chart.getStyler().setPlotGridLinesVisible(false);
        // the 'border' is drawn in the cell's own colour: it covers the antialiasing seams between cells
        chart.getStyler().setDrawBorder(true);
        chart.getStyler().setHeatMapDecimalValueFormatter(v -> String.format(java.util.Locale.ROOT, "%.4g", v));
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        List<Integer> xs = new ArrayList<>(cols);
        for (int j = 0; j < cols; j++) {
            xs.add(j);
        }
        List<Integer> ys = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            ys.add(i);
        }
        List<Number[]> cells = new ArrayList<>(rows * cols);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double v = z[i][j];
                if (Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                    // y index counted from the bottom: row 0 at the top
                    cells.add(new Number[] {j, rows - 1 - i, v});
                }
            }
        }
        if (min <= max) {
            // XChart prints the colour bar's ends in full (5.169619511598679): round them outwards to 3 digits
            chart.getStyler().setMin(round(min, java.math.RoundingMode.FLOOR));
            chart.getStyler().setMax(max == min ? round(min, java.math.RoundingMode.FLOOR) + 1 : round(max, java.math.RoundingMode.CEILING));
        }
        chart.addSeries("K", xs, ys, cells);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        return out.toByteArray();
    }

    private static double round(double v, java.math.RoundingMode mode) {
        return v == 0 ? 0 : new java.math.BigDecimal(v).round(new java.math.MathContext(3, mode)).doubleValue();
    }
}
