package org.sparkntk.tile.panama;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one vector species of the Vector API kernels, in its own class so that nothing touches the
 * incubator module before {@code TileKernels} checked that it is there.
 */
final class Species {

    /** The machine's preferred double species (e.g. 8 lanes with AVX-512). */
    static final VectorSpecies<Double> PREFERRED = DoubleVector.SPECIES_PREFERRED;
    /** The preferred float species, the same width (16 lanes with AVX-512), for {@link PanamaSgemm}. */
    static final VectorSpecies<Float> PREFERRED_FLOAT = FloatVector.SPECIES_PREFERRED;
    /**
     * Floats with the lane count of {@link #PREFERRED} (half its bits: 8 floats for 8 doubles with
     * AVX-512), loaded and widened to a double vector by {@code PanamaPanelProduct}.
     */
    static final VectorSpecies<Float> HALF_FLOAT = VectorSpecies.of(float.class,
            VectorShape.forBitSize(PREFERRED.vectorBitSize() / 2));

    private Species() {
    }
}
