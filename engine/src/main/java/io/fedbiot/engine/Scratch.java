package io.fedbiot.engine;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Frees the temporaries of a block of model code early:
 * {@code try (var s = Scratch.open()) { ...; return s.keep(out); }}. Every pooled tensor created
 * while it is open (in the innermost {@link StepScope}) is released when it closes, except what
 * {@link #keep} hands to the enclosing block. A released tensor that an autograd node saved lives
 * on until that node's backward ran; one that nothing saved goes back to the pool at once. Outside
 * a step scope a Scratch does nothing.
 */
public final class Scratch implements AutoCloseable {
    private final StepScope scope;
    private final Set<Storage> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    private Scratch(StepScope scope) {
        this.scope = scope;
    }

    public static Scratch open() {
        StepScope s = StepScope.innermost();
        Scratch sc = new Scratch(s);
        if (s != null) s.push(sc);
        return sc;
    }

    void own(Storage s) {
        owned.add(s);
    }

    /** Hands t's memory to the enclosing Scratch (or to the caller when none is open); returns t. */
    public Tensor keep(Tensor t) {
        if (scope != null && owned.remove(t.storage())) {
            Scratch outer = scope.outside(this);
            if (outer != null) outer.own(t.storage());
        }
        return t;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (scope == null) return;
        scope.pop(this);
        for (Storage s : owned) s.releaseCreator();
        owned.clear();
    }
}
