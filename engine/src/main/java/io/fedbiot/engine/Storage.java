package io.fedbiot.engine;

import io.fedbiot.kernels.Buf;

/**
 * The memory behind a tensor and its views. A pooled storage (allocated inside a {@link StepScope})
 * counts references: one for its creator, dropped by {@link Scratch} or {@link Tensor#release()},
 * and one per recorded autograd node that saved it, dropped once that node's backward ran. At zero
 * the buffer goes back to the step's pool, where the next tensor of the same size reuses it, and
 * every tensor on this storage refuses to hand out its buffer from then on. Unpooled storages
 * (parameters, caches, tensors made outside a step) ignore the counts and live as long as their arena.
 */
public final class Storage {
    private final Buf buf;
    private final StepScope scope;   // null: unpooled
    private int refs = 1;
    private boolean creatorHeld = true;
    private boolean freed;

    Storage(Buf buf, StepScope scope) {
        this.buf = buf;
        this.scope = scope;
    }

    static Storage unpooled(Buf buf) {
        return new Storage(buf, null);
    }

    Buf buf() {
        return buf;
    }

    public boolean pooled() {
        return scope != null;
    }

    public boolean freed() {
        return freed;
    }

    /** One more holder (an autograd node that saved a tensor on this storage). */
    public void retain() {
        if (scope == null) return;
        if (freed) throw new IllegalStateException("cannot save a tensor whose memory was already freed");
        refs++;
    }

    /** Drops one holder; the last one returns the buffer to the step's pool. */
    public void release() {
        if (scope == null || freed) return;
        if (--refs == 0) {
            freed = true;
            scope.recycle(buf);
        }
    }

    /** The step ended: its buffer now belongs to the thread's cache. */
    void invalidate() {
        freed = true;
    }

    /** Drops the creator's hold, at most once. */
    void releaseCreator() {
        if (!creatorHeld) return;
        creatorHeld = false;
        release();
    }
}
