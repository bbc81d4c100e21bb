package org.sparkntk.ml;

/** The setters of the kernel and solver params on the estimators (models keep the values they were fitted with). */
public interface NtkSetters<T extends NtkSetters<T>> extends NtkParams {

    @SuppressWarnings("unchecked")
    private T self() {
        return (T) this;
    }

    default T setActivation(String v) {
        set(activation(), v);
        return self();
    }

    default T setDepth(int v) {
        set(depth(), v);
        return self();
    }

    default T setWeightStd(double v) {
        set(weightStd(), v);
        return self();
    }

    default T setBiasStd(double v) {
        set(biasStd(), v);
        return self();
    }

    default T setKernel(String v) {
        set(kernel(), v);
        return self();
    }

    default T setRidge(double v) {
        set(ridge(), v);
        return self();
    }

    default T setRidgeScale(String v) {
        set(ridgeScale(), v);
        return self();
    }

    default T setSolver(String v) {
        set(solver(), v);
        return self();
    }

    default T setTol(double v) {
        set(tol(), v);
        return self();
    }

    default T setMaxIter(int v) {
        set(maxIter(), v);
        return self();
    }

    default T setPreconditioner(String v) {
        set(preconditioner(), v);
        return self();
    }

    default T setCenters(int v) {
        set(centers(), v);
        return self();
    }
}
