package org.sparkntk.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/** A real HDFS (one NameNode, one DataNode) inside the test JVM, on 127.0.0.1 and a random port. */
public final class MiniHdfs implements AutoCloseable {

    private final MiniDFSCluster dfs;

    public MiniHdfs(Path baseDir) throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.toAbsolutePath().toString());
        conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
        conf.set("dfs.namenode.http-address", "127.0.0.1:0");
        conf.set("dfs.datanode.address", "127.0.0.1:0");
        conf.set("dfs.datanode.http.address", "127.0.0.1:0");
        conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
        conf.setInt("dfs.replication", 1);
        dfs = new MiniDFSCluster.Builder(conf, new File(baseDir.toAbsolutePath().toString()))
                .numDataNodes(1).nameNodePort(0).build();
        dfs.waitActive();
    }

    /** e.g. hdfs://127.0.0.1:41234 */
    public String uri() {
        return dfs.getURI().toString();
    }

    public org.apache.hadoop.fs.FileSystem fileSystem() throws IOException {
        return dfs.getFileSystem();
    }

    @Override
    public void close() {
        dfs.shutdown(true);
    }
}
