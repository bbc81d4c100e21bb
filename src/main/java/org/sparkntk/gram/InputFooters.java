package org.sparkntk.gram;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparkntk.io.KernelManifest.FileFingerprint;

/**
 * The data files of a plain Parquet input (one file, or a folder of files without subfolders)
 * and their footers, read on the driver (docs/design.md, "Phases"): the schema of the first file
 * and every file's row count. Spark's {@code spark.read().parquet(path)} infers the schema with a
 * Spark job, and the row counts would otherwise need a pass over the scan before any row can be
 * given its matrix index. Anything else (globs, partition folders, summary files, unreadable
 * footers, no data files) gives null, and the caller lets Spark open the input as before, so its
 * error messages and its handling of those layouts are unchanged.
 */
public final class InputFooters {

    /**
     * A data file: its path as Spark's {@code _metadata.file_path} spells it (the key of the row
     * offsets; input order sorts by it), its fingerprint for the plan, and its row count.
     */
    public record DataFile(String uri, FileFingerprint fingerprint, long rows, long[] groupRows, MessageType schema) {
    }

    private final List<DataFile> files;
    private final ParquetMetadata firstFooter;
    private final Path firstPath;

    private InputFooters(List<DataFile> files, ParquetMetadata firstFooter, Path firstPath) {
        this.files = files;
        this.firstFooter = firstFooter;
        this.firstPath = firstPath;
    }

    /** The data files, sorted by {@link DataFile#uri()} (input order). */
    public List<DataFile> files() {
        return files;
    }

    /** Footer of the first data file (Spark also takes the schema from one file). */
    ParquetMetadata firstFooter() {
        return firstFooter;
    }

    /** Path of the first data file. */
    Path firstPath() {
        return firstPath;
    }

    /** Total rows. */
    long rows() {
        long n = 0;
        for (DataFile f : files) {
            n += f.rows();
        }
        return n;
    }

    /** Fingerprints sorted by path, as {@link InputTable#fingerprint} gives them. */
    public List<FileFingerprint> fingerprints() {
        List<FileFingerprint> out = new ArrayList<>();
        for (DataFile f : files) {
            out.add(f.fingerprint());
        }
        out.sort((a, b) -> a.path().compareTo(b.path()));
        return out;
    }

    /**
     * A Parquet input opened for a scan: the frame, and the rows before each data file in input order
     * keyed as Spark's {@code _metadata.file_path} spells the file (null when the footers could not
     * be read, e.g. a glob: then the caller counts the rows with Spark).
     */
    public record Opened(Dataset<Row> frame, Map<String, Long> fileOffsets) {
    }

    /**
     * Opens {@code path} as {@code spark.read().parquet(path)} would, but for a plain file or folder
     * with the schema and per-file row counts from the footers (no schema inference job, no counting
     * pass). Spark's exceptions for unreadable inputs pass through unchanged. {@code footers} is what
     * {@link #read} gave for {@code path} (null: Spark opens it as it is).
     */
    public static Opened open(SparkSession spark, String path, InputFooters footers) {
        if (footers == null) {
            return new Opened(spark.read().parquet(path), null);
        }
        Map<String, Long> offsets = new HashMap<>();
        long acc = 0;
        for (DataFile f : footers.files()) {
            offsets.put(f.uri(), acc);
            acc += f.rows();
        }
        return new Opened(spark.read().schema(InputTable.footerSchema(spark, footers)).parquet(path), offsets);
    }

    /** Most footers read at once. */
    private static final int THREADS = 8;

    /** The footers of {@code input}, or null when it is not a plain file or folder of files (see the class comment). */
    public static InputFooters read(Configuration conf, String input) {
        try {
            if (input.isEmpty() || input.chars().anyMatch(c -> "*?[]{}\\".indexOf(c) >= 0)) {
                return null; // a glob: Spark expands it
            }
            Path root = new Path(input);
            FileSystem fs = root.getFileSystem(conf);
            FileStatus st = fs.getFileStatus(root);
            List<FileStatus> data = new ArrayList<>();
            if (st.isFile()) {
                if (hidden(st.getPath().getName())) {
                    return null;
                }
                data.add(st);
            } else {
                for (FileStatus c : fs.listStatus(st.getPath())) {
                    String name = c.getPath().getName();
                    if (name.startsWith("_metadata") || name.startsWith("_common_metadata") || c.isDirectory()) {
                        return null; // summary files or partition folders: Spark's own rules apply
                    }
                    if (!hidden(name)) {
                        data.add(c);
                    }
                }
            }
            if (data.isEmpty()) {
                return null;
            }
            List<ParquetMetadata> footers = footers(conf, data);
            List<DataFile> files = new ArrayList<>();
            for (int i = 0; i < data.size(); i++) {
                FileStatus f = data.get(i);
                long rows = 0;
                List<BlockMetaData> blocks = footers.get(i).getBlocks();
                long[] groupRows = new long[blocks.size()];
                for (int g = 0; g < groupRows.length; g++) {
                    groupRows[g] = blocks.get(g).getRowCount();
                    rows += groupRows[g];
                }
                files.add(new DataFile(key(f.getPath().toUri().toString()),
                        new FileFingerprint(f.getPath().toString(), f.getLen(), f.getModificationTime()), rows, groupRows,
                        footers.get(i).getFileMetaData().getSchema()));
            }
            int first = 0;
            for (int i = 1; i < files.size(); i++) {
                if (files.get(i).uri().compareTo(files.get(first).uri()) < 0) {
                    first = i;
                }
            }
            ParquetMetadata firstFooter = footers.get(first);
            Path firstPath = data.get(first).getPath();
            files.sort((a, b) -> a.uri().compareTo(b.uri()));
            return new InputFooters(List.copyOf(files), firstFooter, firstPath);
        } catch (IOException | RuntimeException e) {
            return null; // missing, unreadable or not Parquet: Spark reports it
        }
    }

    /**
     * A file's key: its URI rebuilt from its parts, so "file:///a b" and Spark's "file:/a%20b" are
     * the same key (the form Spark's {@code _metadata.file_path} has, so the order is Spark's too).
     */
    public static String key(String uri) {
        try {
            URI u = new URI(uri);
            return new URI(u.getScheme(), u.getAuthority(), u.getPath(), u.getQuery(), u.getFragment()).toString();
        } catch (URISyntaxException e) {
            return uri;
        }
    }

    /** Spark's rule for files a folder listing skips (InMemoryFileIndex / HadoopFSUtils). */
    static boolean hidden(String name) {
        return name.startsWith("_") && !name.contains("=") || name.startsWith(".") || name.endsWith("._COPYING_");
    }

    private static List<ParquetMetadata> footers(Configuration conf, List<FileStatus> files) throws IOException {
        if (files.size() == 1) {
            return List.of(footer(conf, files.get(0)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(THREADS, files.size()), r -> {
            Thread t = new Thread(r, "spark-ntk-footers");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<ParquetMetadata>> fs = new ArrayList<>();
            for (FileStatus f : files) {
                fs.add(pool.submit(() -> footer(conf, f)));
            }
            List<ParquetMetadata> out = new ArrayList<>();
            for (Future<ParquetMetadata> f : fs) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading Parquet footers", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static ParquetMetadata footer(Configuration conf, FileStatus f) throws IOException {
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromStatus(f, conf))) {
            return r.getFooter();
        }
    }
}
