package org.sparkntk.regress;

import java.io.Serializable;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;

/** A {@link NetworkSpec} as text and numbers, to ship to tasks (the spec's activation objects are not Serializable). */
public record SpecRef(String activation, int depth, double weightStd, double biasStd) implements Serializable {

    /** The shippable form of a spec. */
    public static SpecRef of(NetworkSpec s) {
        return new SpecRef(s.activation().name(), s.depth(), s.weightStd(), s.biasStd());
    }

    /** The spec, rebuilt (cheap: parses the activation name). */
    public NetworkSpec spec() {
        return new NetworkSpec(depth, Activations.parse(activation), weightStd, biasStd);
    }
}
