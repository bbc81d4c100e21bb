package org.sparkntk.io;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.InitContext;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Reads the tiles of a gram output directory ({@code OUT/tiles/}, docs/format.md) with
 * parquet-hadoop directly: no SparkSession, values decoded straight into a {@code double[]}
 * (float32 tiles are widened), and the values of rows of another kernel or depth are not copied.
 * Works on any Hadoop path. Hive-style {@code kernel=.../depth=...} folders are understood too.
 */
public final class TileFiles {

    /** One stored tile: rows row_start.. and cols col_start.. of one kernel at one depth, values row-major. */
    public record Tile(String kernel, int depth, int blockRow, int blockCol, long rowStart, long colStart,
                       int numRows, int numCols, double[] values) {

        /** Entry (r, c) of the tile, 0-based within it. */
        public double get(int r, int c) {
            return values[r * numCols + c];
        }
    }

    private TileFiles() {
    }

    /** The Parquet files under {@code dir}, sorted by path; hidden ('.', '_') files and folders are skipped. */
    public static List<Path> list(Path dir, Configuration conf) throws IOException {
        FileSystem fs = dir.getFileSystem(conf);
        List<Path> out = new ArrayList<>();
        if (!fs.exists(dir)) {
            return out;
        }
        String root = fs.makeQualified(dir).toUri().getPath();
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
        while (it.hasNext()) {
            Path p = it.next().getPath();
            String rel = p.toUri().getPath().substring(Math.min(root.length(), p.toUri().getPath().length()));
            boolean hidden = Arrays.stream(rel.split("/")).anyMatch(s -> s.startsWith(".") || s.startsWith("_"));
            if (!hidden && p.getName().endsWith(".parquet")) {
                out.add(p);
            }
        }
        out.sort(Comparator.comparing(Path::toString));
        return out;
    }

    /**
     * Calls {@code sink} with every tile of {@code kernel} at {@code depth} in {@code tilesDir}
     * (null kernel or depth &lt; 0: all). Returns the number of tiles delivered.
     */
    public static long forEach(Path tilesDir, String kernel, int depth, Configuration conf, Consumer<Tile> sink)
            throws IOException {
        long n = 0;
        for (Path file : list(tilesDir, conf)) {
            n += readFile(file, tilesDir, kernel, depth, conf, sink);
        }
        return n;
    }

    /** Reads one tile file; see {@link #forEach}. */
    public static long readFile(Path file, Path tilesDir, String kernel, int depth, Configuration conf,
                                Consumer<Tile> sink) throws IOException {
        Materializer m = new Materializer(kernel, depth);
        // Hive-style partition folders between tilesDir and the file supply kernel / depth
        for (Path p = file.getParent(); p != null && !p.getName().isEmpty()
                && !p.toUri().getPath().equals(tilesDir.toUri().getPath()); p = p.getParent()) {
            String seg = p.getName();
            if (seg.startsWith("kernel=")) {
                m.pathKernel = seg.substring("kernel=".length());
            } else if (seg.startsWith("depth=")) {
                m.pathDepth = Integer.parseInt(seg.substring("depth=".length()));
            }
        }
        long n = 0;
        try (ParquetReader<Tile> r = new Builder(HadoopInputFile.fromPath(file, conf), m).withConf(conf).build()) {
            for (Tile t = r.read(); t != null; t = r.read()) {
                if ((kernel == null || kernel.equals(t.kernel())) && (depth < 0 || depth == t.depth())) {
                    sink.accept(t);
                    n++;
                }
            }
        }
        return n;
    }

    private static final class Builder extends ParquetReader.Builder<Tile> {
        private final Materializer m;

        Builder(org.apache.parquet.io.InputFile file, Materializer m) {
            super(file);
            this.m = m;
        }

        @Override
        protected ReadSupport<Tile> getReadSupport() {
            return new ReadSupport<>() {
                @Override
                public ReadContext init(InitContext context) {
                    return new ReadContext(context.getFileSchema());
                }

                @Override
                public RecordMaterializer<Tile> prepareForRead(Configuration conf, java.util.Map<String, String> meta,
                                                               MessageType fileSchema, ReadContext ctx) {
                    m.bind(ctx.getRequestedSchema());
                    return m;
                }
            };
        }
    }

    /** Assembles a {@link Tile} per record; columns arrive in schema order, so kernel/depth are known before values. */
    private static final class Materializer extends RecordMaterializer<Tile> {
        private final String wantKernel;
        private final int wantDepth;
        String pathKernel;
        Integer pathDepth;

        private Root root;
        private String kernel;
        private final long[] ints = new long[7]; // depth, block_row, block_col, row_start, col_start, num_rows, num_cols
        private static final double[] EMPTY = new double[0];
        private double[] values = EMPTY;
        private int count;

        Materializer(String wantKernel, int wantDepth) {
            this.wantKernel = wantKernel;
            this.wantDepth = wantDepth;
        }

        private static final List<String> INT_COLS =
                List.of("depth", "block_row", "block_col", "row_start", "col_start", "num_rows", "num_cols");

        void bind(MessageType schema) {
            for (String c : List.of("kernel", "block_row", "block_col", "row_start", "col_start", "num_rows",
                    "num_cols", "values")) {
                if (!schema.containsField(c) && !(c.equals("kernel") && pathKernel != null)) {
                    throw new IllegalStateException("tile file has no column '" + c + "'; columns: " + schema.getFields());
                }
            }
            root = new Root(schema);
        }

        boolean wanted() {
            return (wantKernel == null || wantKernel.equals(kernel)) && (wantDepth < 0 || wantDepth == ints[0]);
        }

        @Override
        public Tile getCurrentRecord() {
            int nr = (int) ints[5];
            int nc = (int) ints[6];
            double[] v = values;
            if (!wanted()) {
                v = null;
            } else if (count != (long) nr * nc) {
                throw new IllegalStateException("tile " + kernel + " depth " + ints[0] + " (" + ints[1] + "," + ints[2]
                        + ") has " + count + " values but num_rows*num_cols = " + (long) nr * nc);
            } else if (v.length != count) {
                v = Arrays.copyOf(v, count);
            } else {
                values = EMPTY; // the tile owns the buffer now
            }
            return new Tile(kernel, (int) ints[0], (int) ints[1], (int) ints[2], ints[3], ints[4], nr, nc, v);
        }

        @Override
        public GroupConverter getRootConverter() {
            return root;
        }

        private final class Root extends GroupConverter {
            private final Converter[] children;

            Root(GroupType schema) {
                children = new Converter[schema.getFieldCount()];
                for (int i = 0; i < children.length; i++) {
                    Type f = schema.getType(i);
                    String name = f.getName();
                    int slot = INT_COLS.indexOf(name);
                    if (name.equals("kernel")) {
                        children[i] = new PrimitiveConverter() {
                            @Override
                            public void addBinary(Binary value) {
                                kernel = value.toStringUsingUTF8();
                            }
                        };
                    } else if (slot >= 0) {
                        children[i] = new PrimitiveConverter() {
                            @Override
                            public void addInt(int value) {
                                ints[slot] = value;
                            }

                            @Override
                            public void addLong(long value) {
                                ints[slot] = value;
                            }
                        };
                    } else if (name.equals("values")) {
                        children[i] = listConverter(f);
                    } else {
                        children[i] = ignore(f);
                    }
                }
            }

            @Override
            public Converter getConverter(int fieldIndex) {
                return children[fieldIndex];
            }

            @Override
            public void start() {
                kernel = pathKernel;
                Arrays.fill(ints, 0);
                if (pathDepth != null) {
                    ints[0] = pathDepth;
                }
                count = 0;
            }

            @Override
            public void end() {
            }
        }

        /** The element sink: appends to values unless this record is not wanted. */
        private final PrimitiveConverter element = new PrimitiveConverter() {
            @Override
            public void addDouble(double value) {
                append(value);
            }

            @Override
            public void addFloat(float value) {
                append(value);
            }
        };

        private void append(double v) {
            if (count == 0 && !wanted()) {
                count = -1; // skip this record's values
            }
            if (count < 0) {
                return;
            }
            if (count == values.length) {
                long want = count == 0 && ints[5] * ints[6] > 0 ? ints[5] * ints[6] : Math.max(16, 2L * values.length);
                values = Arrays.copyOf(values, (int) Math.min(Integer.MAX_VALUE - 8, want));
            }
            values[count++] = v;
        }

        /** LIST (3-level: values/list/element) or a legacy 2-level repeated primitive. */
        private Converter listConverter(Type values) {
            GroupType outer = values.asGroupType();
            Type repeated = outer.getType(0);
            Converter inner;
            if (repeated.isPrimitive()) {
                inner = element;
            } else {
                inner = new GroupConverter() {
                    @Override
                    public Converter getConverter(int fieldIndex) {
                        return element;
                    }

                    @Override
                    public void start() {
                    }

                    @Override
                    public void end() {
                    }
                };
            }
            return new GroupConverter() {
                @Override
                public Converter getConverter(int fieldIndex) {
                    return inner;
                }

                @Override
                public void start() {
                }

                @Override
                public void end() {
                }
            };
        }

        private static Converter ignore(Type t) {
            if (t.isPrimitive()) {
                return new PrimitiveConverter() {
                    @Override
                    public void addBinary(Binary value) {
                    }

                    @Override
                    public void addBoolean(boolean value) {
                    }

                    @Override
                    public void addDouble(double value) {
                    }

                    @Override
                    public void addFloat(float value) {
                    }

                    @Override
                    public void addInt(int value) {
                    }

                    @Override
                    public void addLong(long value) {
                    }
                };
            }
            GroupType g = t.asGroupType();
            Converter[] kids = new Converter[g.getFieldCount()];
            for (int i = 0; i < kids.length; i++) {
                kids[i] = ignore(g.getType(i));
            }
            return new GroupConverter() {
                @Override
                public Converter getConverter(int fieldIndex) {
                    return kids[fieldIndex];
                }

                @Override
                public void start() {
                }

                @Override
                public void end() {
                }
            };
        }
    }
}
