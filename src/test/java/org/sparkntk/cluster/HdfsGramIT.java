package org.sparkntk.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparkntk.io.KernelManifest;

/**
 * gram with input and output on hdfs:// (a real NameNode and DataNode in this JVM, MiniDFSCluster),
 * Spark local mode: the result read back from HDFS equals a run on local files, and --resume works there.
 */
class HdfsGramIT {

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void gramReadsAndWritesHdfs() throws Exception {
        Path work = StandaloneCluster.PROJECT.resolve("target/cluster-it/hdfs");
        ClusterTestSupport.deleteTree(work);
        SparkSession spark = ClusterTestSupport.session();
        Path localIn = work.resolve("input");
        ClusterTestSupport.writeRows(spark, localIn, "part-00000.parquet", 0, 90, 6);
        ClusterTestSupport.writeRows(spark, localIn, "part-00001.parquet", 90, 47, 6);
        List<String> opts = List.of("--id-col", "id", "--block-size", "32", "--depths", "2,4");
        String localOut = work.resolve("local-out").toString();
        ClusterTestSupport.Run r = ClusterTestSupport.cli(args("gram", localIn.toString(), localOut, opts));
        assertEquals(0, r.code(), r.err());

        try (MiniHdfs hdfs = new MiniHdfs(work.resolve("dfs"))) {
            FileSystem fs = hdfs.fileSystem();
            String in = hdfs.uri() + "/data/input";
            String out = hdfs.uri() + "/kernels/k";
            fs.mkdirs(new org.apache.hadoop.fs.Path(in));
            fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(localIn.resolve("part-00000.parquet").toString()),
                    new org.apache.hadoop.fs.Path(in + "/part-00000.parquet"));
            fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(localIn.resolve("part-00001.parquet").toString()),
                    new org.apache.hadoop.fs.Path(in + "/part-00001.parquet"));
            ClusterTestSupport.Run h = ClusterTestSupport.cli(args("gram", in, out, opts));
            assertEquals(0, h.code(), h.err());
            Configuration conf = new Configuration();
            assertTrue(fs.exists(new org.apache.hadoop.fs.Path(out + "/" + KernelManifest.KERNEL_JSON)));
            assertTrue(KernelManifest.readKernel(conf, out).input().files().get(0).path().startsWith("hdfs://"));
            ClusterTestSupport.assertSameKernel(conf, localOut, out);

            // a lost tile on HDFS: --resume recomputes exactly that one
            fs.delete(new org.apache.hadoop.fs.Path(out + "/" + KernelManifest.KERNEL_JSON), false);
            fs.delete(org.sparkntk.io.TileStore.tilePath(out, 1, 3), false);
            ClusterTestSupport.Run res = ClusterTestSupport.cli(args("gram", in, out, opts, "--resume"));
            assertEquals(0, res.code(), res.err());
            assertTrue(res.out().contains("computing 1"), res.out());
            ClusterTestSupport.assertSameKernel(conf, localOut, out);
        }
    }

    private static String[] args(String cmd, String in, String out, List<String> opts, String... extra) {
        List<String> a = new java.util.ArrayList<>(List.of(cmd, "--input", in, "--output", out));
        a.addAll(opts);
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }
}
