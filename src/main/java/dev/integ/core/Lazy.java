package dev.integ.core;

import java.util.function.Supplier;

/**
 * A value built on first use, exactly once even when several threads ask at the same time
 * ({@code refresh --all}'s workers open credentials together, and the vault's data keys must be
 * loaded once). A build that throws is not remembered: the next caller tries again.
 */
public final class Lazy<T> implements Supplier<T> {
    private final Supplier<? extends T> build;
    private volatile T value;

    private Lazy(Supplier<? extends T> build) {
        this.build = build;
    }

    public static <T> Lazy<T> of(Supplier<? extends T> build) {
        return new Lazy<>(build);
    }

    @Override
    public T get() {
        T v = value;
        if (v != null) {
            return v;
        }
        synchronized (this) {
            if (value == null) {
                value = java.util.Objects.requireNonNull(build.get(), "a lazy value was built as null");
            }
            return value;
        }
    }
}
