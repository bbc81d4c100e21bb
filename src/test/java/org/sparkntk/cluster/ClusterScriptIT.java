package org.sparkntk.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * scripts/cluster.sh up / status / down on random ports: the workers come up ALIVE, scripts/ntk
 * gram --master spark://... runs on them (the launcher ships the cluster jar) with the local-mode
 * result, and down stops exactly what up started.
 */
class ClusterScriptIT {

    record Result(int code, String out) {
    }

    private static Result script(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", StandaloneCluster.PROJECT.resolve("scripts/cluster.sh").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            StandaloneCluster.killTree(p.toHandle());
            throw new IllegalStateException("cluster.sh " + String.join(" ", args) + " hung");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(value = 400, unit = TimeUnit.SECONDS)
    void upStatusDown() throws Exception {
        Path work = StandaloneCluster.PROJECT.resolve("target/cluster-it/script");
        Map<String, String> env = Map.of(
                "NTK_CLUSTER_DIR", work.toString(),
                "NTK_MASTER_PORT", "" + StandaloneCluster.freePort(),
                "NTK_MASTER_WEBUI_PORT", "" + StandaloneCluster.freePort(),
                "NTK_WORKER_WEBUI_PORT", "" + StandaloneCluster.freePort(),
                "NTK_WORKER_MEMORY", "512m",
                "NTK_DAEMON_MEMORY", "256m",
                "NTK_NO_BUILD", "1",
                "NTK_UP_TIMEOUT", "240");
        List<Long> pids = new ArrayList<>();
        try {
            Result up = script(env, "up", "2");
            assertEquals(0, up.code(), up.out());
            assertTrue(up.out().contains("with 2 worker(s)"), up.out());
            for (String name : List.of("master", "worker-1", "worker-2")) {
                pids.add(Long.parseLong(Files.readString(work.resolve("pids/" + name + ".pid")).trim()));
            }
            for (long pid : pids) {
                assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " not running");
            }
            Result status = script(env, "status");
            assertEquals(0, status.code(), status.out());
            assertTrue(status.out().contains("2 worker(s) ALIVE"), status.out());

            // scripts/ntk as the driver against this cluster
            Path data = work.resolve("data");
            ClusterTestSupport.deleteTree(data);
            ClusterTestSupport.writeRows(ClusterTestSupport.session(), data, "part-00000.parquet", 0, 40, 4);
            String local = work.resolve("k-local").toString();
            String remote = work.resolve("k-cluster").toString();
            ClusterTestSupport.deleteTree(Path.of(local));
            ClusterTestSupport.deleteTree(Path.of(remote));
            List<String> opts = List.of("--input", data.toString(), "--id-col", "id", "--block-size", "16", "--depth", "2");
            List<String> l = new ArrayList<>(List.of("gram", "--output", local));
            l.addAll(opts);
            assertEquals(0, ClusterTestSupport.cli(l.toArray(new String[0])).code());
            List<String> cmd = new ArrayList<>(List.of("bash", StandaloneCluster.PROJECT.resolve("scripts/ntk").toString(),
                    "gram", "--output", remote, "--master", "spark://127.0.0.1:" + env.get("NTK_MASTER_PORT"),
                    "--conf", "spark.executor.memory=512m", "--conf", "spark.ui.enabled=false"));
            cmd.addAll(opts);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(work.resolve("ntk-driver.log").toFile());
            pb.environment().putAll(Map.of("NTK_NO_BUILD", "1", "NTK_JAVA_OPTS", "-Xmx768m", "SPARK_LOCAL_IP", "127.0.0.1"));
            Process driver = pb.start();
            try {
                assertTrue(driver.waitFor(300, TimeUnit.SECONDS), "scripts/ntk gram on the cluster did not finish");
            } finally {
                StandaloneCluster.killTree(driver.toHandle());
            }
            assertEquals(0, driver.exitValue(), Files.readString(work.resolve("ntk-driver.log")));
            ClusterTestSupport.assertSameKernel(new org.apache.hadoop.conf.Configuration(), local, remote);

            Result again = script(env, "up", "1");
            assertEquals(2, again.code(), again.out());
            assertTrue(again.out().contains("already running"), again.out());

            Result down = script(env, "down");
            assertEquals(0, down.code(), down.out());
            for (long pid : pids) {
                assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " still running after down");
            }
            Result after = script(env, "status");
            assertEquals(3, after.code(), after.out());
        } finally {
            for (long pid : pids) {
                ProcessHandle.of(pid).ifPresent(StandaloneCluster::killTree);
            }
        }
    }
}
