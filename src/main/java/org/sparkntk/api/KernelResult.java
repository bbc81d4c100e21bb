package org.sparkntk.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.spark.mllib.linalg.distributed.BlockMatrix;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparkntk.gram.GramResult;
import org.sparkntk.io.KernelManifest;
import org.sparkntk.io.KernelMatrices;
import org.sparkntk.io.TileFiles;
import org.sparkntk.spec.UserError;

/**
 * A computed kernel (docs/api.md, "Java kernel API"): a complete {@code ntk gram} output folder
 * (docs/format.md) and what the job reported. The folder is either the one given to
 * {@link NtkKernels#output} or a temporary one that {@link #write} moves into place and
 * {@link #close} deletes (if it was not written). Datasets and matrices taken from a temporary
 * result read its folder lazily: take them again after {@link #write}.
 */
public final class KernelResult implements AutoCloseable {

    private final SparkSession spark;
    private GramResult result;
    /** The spark-ntk-uuid folder holding the result while it is temporary, else null. */
    private Path temporary;

    KernelResult(SparkSession spark, GramResult result, Path temporary) {
        this.spark = spark;
        this.result = result;
        this.temporary = temporary;
    }

    /** The folder holding the result now (docs/format.md). */
    public String path() {
        return result.output();
    }

    /** True while the result is in a temporary folder (not yet {@link #write written}). */
    public boolean isTemporary() {
        return temporary != null;
    }

    /** kernel.json: N, N2, d, block size, tiles, kernels, depths, timings. */
    public KernelManifest manifest() {
        return result.manifest();
    }

    /** What the job did (N, d, tiles, wall time by phase, GEMM rate, bytes): {@code ntk gram}'s summary. */
    public GramResult summary() {
        return result;
    }

    /** Rows N. */
    public long n() {
        return result.manifest().n();
    }

    /** Feature dimension d. */
    public int d() {
        return result.manifest().d();
    }

    /**
     * The stored tiles as a Dataset in the documented format (docs/format.md, "OUT/tiles/"): one
     * row per tile, kernel and depth, with block_row, block_col, row_start, col_start, num_rows,
     * num_cols and the row-major values (upper tiles only for a Gram).
     */
    public Dataset<Row> tiles() {
        return spark.read().parquet(new Path(path(), TileFiles.TILES_DIR).toString());
    }

    /**
     * The matrix of {@code kernel} ("ntk" or "nngp"; null: ntk or the only one stored) at
     * {@code depth} as an MLlib BlockMatrix, one block per tile (both triangles of a Gram).
     */
    public BlockMatrix blockMatrix(String kernel, int depth) {
        return KernelMatrices.blockMatrix(spark, path(), kernel, depth);
    }

    /**
     * Writes the result to {@code dir} as {@code ntk gram --output dir} would have: the same
     * files, kernel.json last. A temporary result is moved there (a rename on the same file
     * system, else a copy and delete); a result already in a folder of its own is copied.
     *
     * @throws UserError when {@code dir} exists
     */
    public KernelResult write(String dir) {
        return write(dir, false);
    }

    /** {@link #write(String)}; with {@code overwrite} an existing {@code dir} is deleted first. */
    public KernelResult write(String dir, boolean overwrite) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        try {
            Path src = new Path(path());
            FileSystem srcFs = src.getFileSystem(conf);
            Path dst = new Path(dir);
            FileSystem dstFs = dst.getFileSystem(conf);
            dst = dstFs.makeQualified(dst);
            if (dst.equals(srcFs.makeQualified(src))) {
                return this;
            }
            if (dstFs.exists(dst)) {
                if (!overwrite) {
                    throw new UserError("output '" + dir + "' exists; pass overwrite = true to replace it");
                }
                dstFs.delete(dst, true);
            }
            if (dst.getParent() != null) {
                dstFs.mkdirs(dst.getParent());
            }
            boolean moved = temporary != null && sameFileSystem(srcFs, dstFs) && srcFs.rename(src, dst);
            if (!moved) {
                copy(conf, srcFs, src, dstFs, dst);
            }
            if (temporary != null) {
                NtkKernels.delete(conf, temporary);
                srcFs.cancelDeleteOnExit(temporary);
                temporary = null;
            }
            result = new GramResult(result.manifest(), dst.toString(), result.tilesPresent(), result.tilesComputed(),
                    result.wallSeconds(), result.gemmSeconds(), result.gemmFlops(), result.bytesWritten(), result.entriesComputed());
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes the result if it is still temporary; a written or given folder is kept. */
    @Override
    public void close() {
        if (temporary != null) {
            Configuration conf = spark.sparkContext().hadoopConfiguration();
            NtkKernels.delete(conf, temporary);
            temporary = null;
        }
    }

    private static boolean sameFileSystem(FileSystem a, FileSystem b) {
        return a.getUri().equals(b.getUri());
    }

    /** Copies every file but kernel.json, then kernel.json: its presence still means complete. */
    private static void copy(Configuration conf, FileSystem srcFs, Path src, FileSystem dstFs, Path dst) throws IOException {
        dstFs.mkdirs(dst);
        List<FileStatus> children = new ArrayList<>(List.of(srcFs.listStatus(src)));
        for (FileStatus st : children) {
            String name = st.getPath().getName();
            if (!name.equals(KernelManifest.KERNEL_JSON) && !name.startsWith(".")) {
                FileUtil.copy(srcFs, st.getPath(), dstFs, new Path(dst, name), false, conf);
            }
        }
        FileUtil.copy(srcFs, new Path(src, KernelManifest.KERNEL_JSON), dstFs, new Path(dst, KernelManifest.KERNEL_JSON), false, conf);
    }
}
