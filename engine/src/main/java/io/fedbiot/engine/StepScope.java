package io.fedbiot.engine;

import java.lang.foreign.Arena;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The arena that op outputs are allocated in. Open one per training step:
 * {@code try (var step = StepScope.open()) { ... }}: every activation, saved tensor and
 * intermediate gradient of the step is freed when it closes, so a long loop does not grow.
 * Outside any scope, outputs go to a GC-managed arena.
 */
public final class StepScope implements AutoCloseable {
    private static final ThreadLocal<Deque<StepScope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);
    private static final Arena AUTO = Arena.ofAuto();

    private final Arena arena;
    private boolean closed;

    private StepScope() {
        // Shared, not confined: kernels run on the backend's worker threads.
        this.arena = Arena.ofShared();
    }

    public static StepScope open() {
        StepScope s = new StepScope();
        STACK.get().push(s);
        return s;
    }

    /** The innermost open scope's arena, or a GC-managed arena when none is open. */
    public static Arena current() {
        StepScope s = STACK.get().peek();
        return s == null ? AUTO : s.arena;
    }

    public Arena arena() {
        return arena;
    }

    @Override
    public void close() {
        if (closed) return;
        Deque<StepScope> stack = STACK.get();
        if (stack.peek() != this)
            throw new IllegalStateException("StepScopes must close innermost first");
        stack.pop();
        closed = true;
        arena.close();
    }
}
