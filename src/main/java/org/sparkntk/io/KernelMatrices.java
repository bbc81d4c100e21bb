package org.sparkntk.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.mllib.linalg.DenseMatrix;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.mllib.linalg.distributed.BlockMatrix;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.rdd.RDD;
import scala.Function1;
import scala.Tuple2;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Loads a gram output as an MLlib distributed {@link BlockMatrix}, one block per tile, so it can
 * be used with MLlib's distributed linear algebra ({@code multiply}, {@code add},
 * {@code toIndexedRowMatrix}, ...). Tiles are read by the executors with parquet-hadoop
 * ({@link TileStore#readTiles}); nothing is collected to the driver.
 */
public final class KernelMatrices {

    private KernelMatrices() {
    }

    /**
     * The N x N (or N x N2) matrix of {@code kernel} ('ntk' or 'nngp'; null: ntk, or the only one stored)
     * at {@code depth} in gram output
     * {@code out}: blocks of block_size x block_size (the last row and column of blocks ragged).
     * A symmetric Gram stores block_row &lt;= block_col only; the lower blocks are the transposes
     * of the upper ones (no copy: a transposed MLlib DenseMatrix is a view).
     */
    public static BlockMatrix blockMatrix(SparkSession spark, String out, String kernel, int depth) {
        KernelDir dir;
        try {
            dir = KernelDir.open(out, spark.sparkContext().hadoopConfiguration());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String k = dir.resolveKernel(kernel);
        int l = dir.resolveDepth(depth);
        boolean symmetric = dir.symmetric();
        JavaRDD<Tuple2<Tuple2<Object, Object>, Matrix>> blocks = TileStore.readTiles(spark, out, k, l).flatMap(t -> {
            // row-major values: an MLlib DenseMatrix with isTransposed = true uses them as they are
            DenseMatrix m = new DenseMatrix(t.numRows(), t.numCols(), t.values(), true);
            List<Tuple2<Tuple2<Object, Object>, Matrix>> out1 = new ArrayList<>(2);
            out1.add(new Tuple2<>(new Tuple2<>(t.blockRow(), t.blockCol()), m));
            if (symmetric && !t.diagonal()) {
                out1.add(new Tuple2<>(new Tuple2<>(t.blockCol(), t.blockRow()), m.transpose()));
            }
            return out1.iterator();
        });
        return new BlockMatrix(withClassTag(blocks), dir.blockSize(), dir.blockSize(), dir.n(), dir.n2());
    }

    /**
     * The blocks as an RDD whose ClassTag is Tuple2: an RDD made by the Java API carries
     * ClassTag[Object], and BlockMatrix's collect-based steps (multiply, toLocalMatrix) then fail
     * with "Object[] cannot be cast to Tuple2[]".
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static RDD<Tuple2<Tuple2<Object, Object>, Matrix>> withClassTag(JavaRDD<Tuple2<Tuple2<Object, Object>, Matrix>> blocks) {
        ClassTag<Tuple2<Tuple2<Object, Object>, Matrix>> tag = (ClassTag) ClassTag$.MODULE$.apply(Tuple2.class);
        return blocks.rdd().map((Function1<Tuple2<Tuple2<Object, Object>, Matrix>, Tuple2<Tuple2<Object, Object>, Matrix>>
                & java.io.Serializable) b -> b, tag);
    }
}
