package org.sparkntk.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkntk.cluster.ClusterTestSupport;
import org.sparkntk.cluster.ClusterTestSupport.Run;
import org.sparkntk.io.KernelManifest;

/**
 * {@code ntk run SPEC} on Spark local mode with real files: first run computes, a re-run is a no-op,
 * appended files compute only the new tiles and equal a from-scratch run, and a changed spec or
 * changed/vanished earlier rows are refused (exit 2) unless --overwrite.
 */
class RunCommandTest {

    static final int D = 5;
    static final int B = 16;

    @TempDir
    Path tmp;
    SparkSession spark;
    Path data;
    Path out;
    Path spec;
    final Configuration conf = new Configuration();

    @BeforeEach
    void setUp() throws Exception {
        spark = ClusterTestSupport.session();
        data = tmp.resolve("data");
        out = tmp.resolve("out");
        spec = tmp.resolve("job.yaml");
        ClusterTestSupport.writeRows(spark, data, "part-00000.parquet", 0, 50, D);
        writeSpec("depths: [1, 3]");
    }

    void writeSpec(String depthLine) throws Exception {
        Files.writeString(spec, String.join("\n",
                "input: " + data,
                "output: " + out,
                "id-col: id",
                depthLine,
                "block-size: " + B,
                "bias-std: 0.1",
                "kernels: [ntk, nngp]",
                ""));
    }

    Run run(String... extra) {
        String[] args = new String[2 + extra.length];
        args[0] = "run";
        args[1] = spec.toString();
        System.arraycopy(extra, 0, args, 2, extra.length);
        return ClusterTestSupport.cli(args);
    }

    /** A from-scratch gram of the current input, for comparison. */
    String scratch(String name) {
        String o = tmp.resolve(name).toString();
        Run r = ClusterTestSupport.cli("gram", "--input", data.toString(), "--output", o, "--id-col", "id", "--depths", "1,3",
                "--block-size", "" + B, "--bias-std", "0.1");
        assertEquals(0, r.code(), r.err());
        return o;
    }

    @Test
    void firstRunComputesThenRerunIsANoOp() throws Exception {
        Run first = run();
        assertEquals(0, first.code(), first.err());
        Path kj = out.resolve(KernelManifest.KERNEL_JSON);
        assertTrue(Files.exists(kj));
        FileTime t = Files.getLastModifiedTime(kj);
        int tiles = ClusterTestSupport.tileFiles(conf, out.toString());

        Run again = run();
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("up to date: '" + out + "' holds all 50 rows of '" + data
                + "' (no input file added or changed); nothing to do"), again.out());
        assertEquals(t, Files.getLastModifiedTime(kj), "a no-op must not rewrite kernel.json");
        assertEquals(tiles, ClusterTestSupport.tileFiles(conf, out.toString()));
        ClusterTestSupport.assertSameKernel(conf, scratch("scratch"), out.toString());
    }

    @Test
    void appendedFilesComputeOnlyNewTilesAndEqualAFromScratchRun() throws Exception {
        assertEquals(0, run().code());
        // 50 rows in blocks of 16: blocks 0-2 full, block 3 ragged (2 rows) -> keep 3 blocks (6 tiles)
        ClusterTestSupport.writeRows(spark, data, "part-00001.parquet", 50, 30, D);
        FileTime kept = Files.getLastModifiedTime(out.resolve("tiles/tile-r00000-c00002.parquet"));
        Run r = run();
        assertEquals(0, r.code(), r.err());
        // 80 rows -> 5 blocks, 15 tiles; 15 - 6 kept = 9 computed
        assertTrue(r.out().contains("appended 30 rows: N 50 -> 80; computed 9 tiles (new rows x all rows, and the old ragged "
                + "last block), kept 6; index and kernel.json extended"), r.out());
        assertEquals(kept, Files.getLastModifiedTime(out.resolve("tiles/tile-r00000-c00002.parquet")), "kept tile rewritten");
        assertFalse(Files.exists(out.resolve(IncrementalRun.STAGING)), "staging folder left behind");
        KernelManifest m = KernelManifest.readKernel(conf, out.toString());
        assertEquals(80, m.n());
        assertEquals(2, m.input().files().size());
        ClusterTestSupport.assertSameKernel(conf, scratch("scratch"), out.toString());

        // and appending again when the last block was full keeps every old block
        ClusterTestSupport.writeRows(spark, data, "part-00002.parquet", 80, 3, D);
        Run r2 = run();
        assertEquals(0, r2.code(), r2.err());
        assertTrue(r2.out().contains("appended 3 rows: N 80 -> 83; computed 6 tiles (new rows x all rows), kept 15;"), r2.out());
        ClusterTestSupport.assertSameKernel(conf, scratch("scratch2"), out.toString());
        Run noop = run();
        assertTrue(noop.out().contains("nothing to do"), noop.out());
    }

    @Test
    void changedSpecIsRefusedUnlessOverwrite() throws Exception {
        assertEquals(0, run().code());
        writeSpec("depths: [1, 4]");
        Run r = run();
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("error: refusing to update '" + out + "': the job spec changed since the result was "
                + "computed: 'depths' is [1, 4] now but was [1, 3]. Pass --overwrite to recompute it from scratch"), r.err());
        assertEquals(java.util.List.of(1, 3), KernelManifest.readKernel(conf, out.toString()).depths(), "result untouched");
        Run o = run("--overwrite");
        assertEquals(0, o.code(), o.err());
        assertEquals(java.util.List.of(1, 4), KernelManifest.readKernel(conf, out.toString()).depths());
    }

    @Test
    void changedOrVanishedEarlierRowsAreRefused() throws Exception {
        assertEquals(0, run().code());
        ClusterTestSupport.writeRows(spark, data, "part-00001.parquet", 50, 10, D);
        assertEquals(0, run().code());
        Files.delete(data.resolve("part-00000.parquet"));
        ClusterTestSupport.writeRows(spark, data, "part-00000.parquet", 0, 49, D); // one row fewer
        Run r = run();
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("earlier rows changed or vanished: '") && r.err().contains("part-00000.parquet' changed (size"),
                r.err());
        Files.delete(data.resolve("part-00001.parquet"));
        Run v = run();
        assertEquals(2, v.code(), v.out());
        assertTrue(v.err().contains("part-00001.parquet' vanished"), v.err());
        assertEquals(60, KernelManifest.readKernel(conf, out.toString()).n(), "result untouched");
        Run o = run("--overwrite");
        assertEquals(0, o.code(), o.err());
        assertEquals(49, KernelManifest.readKernel(conf, out.toString()).n());
    }

    @Test
    void anAbandonedStagingFolderIsDiscardedAndAnInterruptedRunIsFinished() throws Exception {
        assertEquals(0, run().code());
        Files.createDirectories(out.resolve(IncrementalRun.STAGING).resolve("tiles"));
        Run r = run();
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("nothing to do"), r.out());
        assertFalse(Files.exists(out.resolve(IncrementalRun.STAGING)));

        // an interrupted first run (no kernel.json, some tiles lost) is finished with --resume semantics
        Files.delete(out.resolve(KernelManifest.KERNEL_JSON));
        Files.delete(out.resolve("tiles/tile-r00001-c00003.parquet"));
        Run f = run();
        assertEquals(0, f.code(), f.err());
        assertTrue(f.out().contains("resume: 9 of 10 tiles already present, computing 1"), f.out());
        ClusterTestSupport.assertSameKernel(conf, scratch("scratch"), out.toString());
    }
}
