package org.sparkntk.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad specs and activation names are rejected with messages that name the field and say what is allowed (STYLE.md). */
class ValidationMessagesTest {

    static final String ALLOWED = "allowed: relu, leaky_relu:ALPHA, abrelu:A,B, abs, erf, gelu, sin, cos, identity, tanh, sigmoid, "
            + "softplus, silu, elu:ALPHA";

    static void assertMessage(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void networkSpecNamesTheFieldAndTheRange() {
        Activation relu = Activations.parse("relu");
        assertMessage("'depth' is 0 but must be in 1..100000", () -> new NetworkSpec(0, relu, 1, 0));
        assertMessage("'depth' is -3 but must be in 1..100000", () -> new NetworkSpec(-3, relu, 1, 0));
        assertMessage("'depth' is 100001 but must be in 1..100000", () -> new NetworkSpec(100_001, relu, 1, 0));
        assertMessage("'weight-std' is -1.0 but must be > 0 and finite", () -> new NetworkSpec(2, relu, -1, 0));
        assertMessage("'weight-std' is 0.0 but must be > 0 and finite", () -> new NetworkSpec(2, relu, 0, 0));
        assertMessage("'weight-std' is NaN but must be > 0 and finite", () -> new NetworkSpec(2, relu, Double.NaN, 0));
        assertMessage("'weight-std' is Infinity but must be > 0 and finite", () -> new NetworkSpec(2, relu, Double.POSITIVE_INFINITY, 0));
        assertMessage("'bias-std' is -0.5 but must be >= 0 and finite", () -> new NetworkSpec(2, relu, 1, -0.5));
        assertMessage("'bias-std' is NaN but must be >= 0 and finite", () -> new NetworkSpec(2, relu, 1, Double.NaN));
        assertMessage("'activation' is missing", () -> new NetworkSpec(2, null, 1, 0));
        // the boundary values are accepted
        new NetworkSpec(1, relu, Double.MIN_VALUE, 0.0);
        new NetworkSpec(NetworkSpec.MAX_DEPTH, relu, 1, 0);
    }

    @Test
    void unknownActivationSuggestsTheClosestName() {
        assertMessage("unknown activation 'rleu'; did you mean 'relu'?; " + ALLOWED, () -> Activations.parse("rleu"));
        assertMessage("unknown activation 'tanhh'; did you mean 'tanh'?; " + ALLOWED, () -> Activations.parse("tanhh"));
        assertMessage("unknown activation 'sigmod'; did you mean 'sigmoid'?; " + ALLOWED, () -> Activations.parse("sigmod"));
        assertMessage("unknown activation 'leaky'; did you mean 'leaky_relu'?; " + ALLOWED, () -> Activations.parse("leaky"));
        assertMessage("unknown activation 'softmax'; " + ALLOWED, () -> Activations.parse("softmax"));
        assertMessage("'activation' is empty; " + ALLOWED, () -> Activations.parse(" "));
        assertMessage("'activation' is empty; " + ALLOWED, () -> Activations.parse(null));
    }

    @Test
    void badActivationParametersNameTheProblem() {
        assertMessage("activation 'leaky_relu:abc': 'abc' is not a finite number", () -> Activations.parse("leaky_relu:abc"));
        assertMessage("activation 'leaky_relu:nan': 'nan' is not a finite number", () -> Activations.parse("leaky_relu:nan"));
        assertMessage("activation 'abrelu:1': abrelu needs two slopes, e.g. abrelu:-0.5,1", () -> Activations.parse("abrelu:1"));
        assertMessage("activation 'abrelu': abrelu needs two slopes, e.g. abrelu:-0.5,1", () -> Activations.parse("abrelu"));
        assertMessage("activation 'abrelu:1,x': 'x' is not a finite number", () -> Activations.parse("abrelu:1,x"));
        assertMessage("activation 'relu:3' takes no parameter", () -> Activations.parse("relu:3"));
        assertMessage("activation 'tanh:2' takes no parameter", () -> Activations.parse("tanh:2"));
        assertMessage("activation 'relu@40' has a closed form; '@DEGREE' applies only to quadrature activations "
                + "(tanh, sigmoid, softplus, silu, elu)", () -> Activations.parse("relu@40"));
        assertMessage("activation 'tanh@x': quadrature degree 'x' is not an integer", () -> Activations.parse("tanh@x"));
        assertMessage("quadrature degree is 0 but must be in 1..400", () -> Activations.parse("tanh@0"));
        assertMessage("quadrature degree is 401 but must be in 1..400", () -> Activations.parse("sigmoid@401"));
        assertMessage("activation 'elu:-1': elu alpha is -1 but must be >= 0 and finite", () -> Activations.parse("elu:-1"));
        assertMessage("activation name must not be empty", () -> new Quadrature(" ", Math::sin, Math::cos, 10));
    }

    /** A spec whose kernel overflows for every input is refused up front (ReLU family and identity with beta > 0). */
    @Test
    void specsThatProvablyOverflowAreRefused() {
        // relu, sigma_w = 2: q(l+1) = 2 q(l) + 0.25, Theta(l+1) = 2 Theta(l) + q(l+1) ~ l 2^l / 8 passes 1.8e308 at l = 1017
        assertMessage("'depth' is 2000 but with activation relu, 'weight-std' 2.0 and 'bias-std' 0.5 the kernel passes "
                + "1.7976931348623157E308 at layer 1017 for every input (the variance grows by a factor 2 per layer); "
                + "use depth <= 1016 or a smaller 'weight-std'", () -> new NetworkSpec(2000, Activations.parse("relu"), 2.0, 0.5));
        assertMessage("'depth' is 2000 but with activation identity, 'weight-std' 2.0 and 'bias-std' 0.5 the kernel passes "
                + "1.7976931348623157E308 at layer 510 for every input (the variance grows by a factor 4 per layer); "
                + "use depth <= 509 or a smaller 'weight-std'", () -> new NetworkSpec(2000, Activations.parse("identity"), 2.0, 0.5));
        // one layer less is accepted; beta = 0 (overflow depends on the input norms) and variance-preserving specs too
        new NetworkSpec(1016, Activations.parse("relu"), 2.0, 0.5);
        new NetworkSpec(2000, Activations.parse("relu"), 2.0, 0.0);
        new NetworkSpec(NetworkSpec.MAX_DEPTH, Activations.parse("relu"), Math.sqrt(2), 0.5);
    }

    @Test
    void goodNamesParseToCanonicalNames() {
        assertEquals("relu", Activations.parse(" ReLU ").name());
        assertEquals("leaky_relu:0.2", Activations.parse("leaky_relu:0.2").name());
        assertEquals("leaky_relu:0.01", Activations.parse("leaky_relu").name());
        assertEquals("abrelu:-0.5,2", Activations.parse("abrelu:-0.5,2").name());
        assertEquals("tanh", Activations.parse("tanh").name());
        // an explicit degree is the fixed Gauss-Hermite rule, not the adaptive default: it keeps its '@'
        assertEquals("tanh@25", Activations.parse("tanh@25").name());
        assertEquals("tanh@64", Activations.parse("tanh@64").name());
        assertEquals("silu", Activations.parse("swish").name());
        assertEquals("elu:0.5", Activations.parse("elu:0.5").name());
        // a canonical name parses back to an equivalent activation
        for (String name : new String[] {"relu", "leaky_relu:0.2", "abrelu:-0.5,2", "abs", "erf", "gelu", "sin", "cos", "identity",
            "tanh", "tanh@25", "sigmoid@30", "softplus", "silu", "elu:0.5"}) {
            assertEquals(name, Activations.parse(Activations.parse(name).name()).name());
        }
    }
}
