package org.sparkntk.ml;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;

/**
 * Saves an NTK model as Spark's own models are saved: PATH/metadata (the params, Spark's
 * DefaultParamsWriter format, which PipelineModel and CrossValidatorModel also read) and the
 * model data ({@link NtkModelData#save}).
 */
final class NtkModelWriter extends MLWriter {

    private final Params instance;
    private final NtkModelData data;

    NtkModelWriter(Params instance, NtkModelData data) {
        this.instance = instance;
        this.data = data;
    }

    @Override
    public void saveImpl(String path) {
        DefaultParamsWriter$.MODULE$.saveMetadata(instance, path, sparkSession());
        try {
            data.save(sparkSession(), path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes a model from its uid and data (its params are set afterwards from the metadata). */
    interface Factory<M> {
        M create(String uid, NtkModelData data);
    }

    /** Loads what {@link NtkModelWriter} saved. */
    static final class Reader<M extends Params> extends MLReader<M> {
        private final Class<M> type;
        private final Factory<M> factory;

        Reader(Class<M> type, Factory<M> factory) {
            this.type = type;
            this.factory = factory;
        }

        @Override
        public M load(String path) {
            DefaultParamsReader.Metadata md = DefaultParamsReader$.MODULE$.loadMetadata(path, sparkSession(), type.getName());
            NtkModelData data;
            try {
                data = NtkModelData.load(sparkSession(), path);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            M m = factory.create(md.uid(), data);
            md.getAndSetParams(m, scala.Option.empty());
            return m;
        }
    }
}
