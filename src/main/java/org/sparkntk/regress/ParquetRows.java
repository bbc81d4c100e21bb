package org.sparkntk.regress;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.types.DataType;
import org.sparkntk.gram.InputFooters;
import org.sparkntk.gram.ParquetScan;
import org.sparkntk.gram.Prefetch;
import org.sparkntk.io.KernelManifest.FileFingerprint;

/**
 * A labelled set's rows read by {@link ParquetScan} (parquet-hadoop, no Spark SQL), one row group
 * per part: by tasks, or in local mode by the driver while Spark starts ({@link #prefetch}). The
 * rows, values and messages are those of the Spark SQL route ({@code LabeledDataTest} compares them).
 */
final class ParquetRows {

    private ParquetRows() {
    }

    /** The columns read: features (float32 when stored as float), the id column (or null), the label columns (maybe none). */
    record Columns(String features, boolean f32, String id, DataType idType, List<String> labels, List<DataType> labelTypes)
            implements Serializable {

        List<String> names() {
            List<String> n = new ArrayList<>(labels);
            n.add(features);
            if (id != null) {
                n.add(id);
            }
            return n;
        }
    }

    /** A split read: its features as a segment (null for an empty split), and per row {index, id, labels...}. */
    record Part(LabeledData.Segment segment, Object[][] meta) implements Serializable {

        /** The same part without its features (what the driver collects). */
        Part withoutFeatures() {
            return new Part(segment == null ? null : new LabeledData.Segment(segment.start(), segment.rows(), segment.d(),
                    null, segment.problemIndex(), segment.problem(), segment.otherIndex(), segment.otherD()), meta);
        }
    }

    /** The columns to read for Spark's types of them, or null when {@link ParquetScan} does not cover them (Spark SQL reads the set). */
    static Columns columns(InputFooters footers, String features, DataType featureType, String id, DataType idType,
                           List<String> labels, List<DataType> labelTypes) {
        List<String> flat = new ArrayList<>(labels);
        List<DataType> flatTypes = new ArrayList<>(labelTypes == null ? List.of() : labelTypes);
        if (id != null) {
            flat.add(id);
            flatTypes.add(idType);
        }
        if (!ParquetScan.covers(footers, features, featureType, flat, flatTypes)) {
            return null;
        }
        boolean f32 = ((org.apache.spark.sql.types.ArrayType) featureType).elementType()
                .equals(org.apache.spark.sql.types.DataTypes.FloatType);
        return new Columns(features, f32, id, idType, List.copyOf(labels), labelTypes == null ? List.of() : List.copyOf(labelTypes));
    }

    /** Reads one split: features into a segment (bad rows noted as {@link LabeledData.SegmentBuilder} notes them), ids and labels. */
    static Part read(Configuration conf, ParquetScan.Split s, Columns c) throws IOException {
        try (ParquetScan.Group g = ParquetScan.Group.open(conf, s, c.names())) {
            return read(g, s, c);
        }
    }

    private static Part read(ParquetScan.Group g, ParquetScan.Split s, Columns c) {
        int rows = (int) s.rows();
        int nl = c.labels().size();
        Object[][] meta = new Object[rows][];
        for (int i = 0; i < rows; i++) {
            long index = s.start() + i;
            meta[i] = new Object[2 + nl];
            meta[i][0] = index;
            meta[i][1] = index;
        }
        if (c.id() != null) {
            g.flat(c.id(), c.idType(), meta, 1);
        }
        for (int j = 0; j < nl; j++) {
            g.flat(c.labels().get(j), c.labelTypes().get(j), meta, 2 + j);
        }
        LabeledData.SegmentBuilder sb = new LabeledData.SegmentBuilder(rows);
        String col = c.features();
        g.array(col, c.f32(), (index, x, len, firstNull) -> {
            if (x == null) {
                sb.add(index, null, 0, "has null features ('" + col + "')");
            } else {
                sb.add(index, x, len, LabeledData.rowProblem(x, firstNull));
            }
        });
        List<LabeledData.Segment> segs = sb.finish();
        return new Part(segs.isEmpty() ? null : segs.get(0), meta);
    }

    // ---- local mode: the driver reads a set while Spark starts ----

    /** What a prefetch was asked to read. */
    private record Key(String path, String features, String id) {
    }

    /** The prefetched parts with the columns and files they were read with. */
    private record Prefetched(Columns columns, List<FileFingerprint> files, List<Part> parts) {
    }

    /**
     * Starts reading {@code path} on a daemon thread of this JVM (local mode, before the
     * SparkSession exists, beside its start-up; {@link Prefetch}). Labels are
     * read when all {@code labels} columns are there. Only a path on the local file system is
     * prefetched. Any failure leaves nothing, and the set is then read as usual, with the usual messages.
     */
    static void prefetch(Configuration conf, String path, String features, String id, List<String> labels) {
        Prefetch.start(conf, path, new Key(path, features, id), () -> {
            InputFooters footers = InputFooters.read(conf, path);
            if (footers == null) {
                return null;
            }
            MessageType first = footers.files().get(0).schema();
            List<String> read = new ArrayList<>();
            List<DataType> types = new ArrayList<>();
            for (String l : labels) {
                if (first.containsField(l)) {
                    read.add(l);
                    types.add(ParquetScan.flatType(first, l));
                }
            }
            if (read.size() != labels.size()) {
                read.clear();
                types.clear();
            }
            DataType ft = ParquetScan.arrayType(first, features);
            DataType idType = id == null ? null : ParquetScan.flatType(first, id);
            if (ft == null || id != null && idType == null || types.contains(null)) {
                return null;
            }
            Columns c = columns(footers, features, ft, id, idType, read, types);
            if (c == null) {
                return null;
            }
            List<Part> parts = new ArrayList<>();
            for (ParquetScan.Split s : ParquetScan.splits(footers)) {
                parts.add(read(conf, s, c));
            }
            return new Prefetched(c, footers.fingerprints(), parts);
        });
    }

    /**
     * The prefetched parts of {@code path} (waiting for the read to finish) when they were read with
     * exactly {@code c} (Spark's types included) from exactly {@code files}; else null. Either way
     * the prefetch is dropped.
     */
    static List<Part> take(String path, Columns c, List<FileFingerprint> files) {
        Prefetched p = Prefetch.take(new Key(path, c.features(), c.id()), Prefetched.class);
        return p != null && p.columns().equals(c) && p.files().equals(files) ? p.parts() : null;
    }

    /** Waits until every prefetch started so far has finished reading (tests). */
    static void awaitPrefetches() {
        Prefetch.awaitAll();
    }

    /** Drops the prefetches not taken (a run that stopped before reading its sets). */
    static void dropPrefetches() {
        Prefetch.drop(Key.class);
    }

    /** Prefetched parts as an RDD of one part per partition, served from this JVM's memory until released. */
    static Prefetch.Local<Part> serve(org.apache.spark.SparkContext sc, List<Part> parts) {
        List<List<Part>> one = new ArrayList<>();
        for (Part p : parts) {
            one.add(List.of(p));
        }
        return new Prefetch.Local<>(sc, one, Part.class);
    }
}
