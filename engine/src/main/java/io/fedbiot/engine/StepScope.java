package io.fedbiot.engine;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;

import java.lang.foreign.Arena;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The arena that op outputs are allocated in. Open one per training step:
 * {@code try (var step = StepScope.open()) { ... }}: every activation, saved tensor and
 * intermediate gradient of the step is freed when it closes, so a long loop does not grow.
 * Outside any scope, outputs go to a GC-managed arena.
 *
 * <p>Inside the step, memory is pooled: a tensor whose last holder let go (see {@link Storage})
 * returns its buffer here, and the next allocation of the same byte size on the same backend takes
 * it (zero-filled again) instead of growing the arena. The shapes of a transformer repeat layer
 * after layer, so exact sizes are enough. Peak memory is then the peak of live tensors, which
 * {@link #peakBytes()} reports. When the scope closes its buffers stay with the thread for the
 * next step of the same shapes (see {@link #trimCache()}), and its tensors refuse to be read.
 */
public final class StepScope implements AutoCloseable {
    private static final ThreadLocal<Deque<StepScope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);
    private static final Arena AUTO = Arena.ofAuto();

    private final Arena arena;
    private final FreeLists<Buf> free = new FreeLists<>();
    private final List<BufferCache.Block> blocks = new ArrayList<>();   // every pooled buffer this step took
    private final List<Storage> storages = new ArrayList<>();
    private final Deque<Scratch> scratches = new ArrayDeque<>();
    private long live, peak, held;
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

    /** The innermost open scope of this thread, or null. */
    static StepScope innermost() {
        return STACK.get().peek();
    }

    /** The open scope of this thread whose arena is {@code a}, or null. */
    static StepScope owning(Arena a) {
        for (StepScope s : STACK.get()) if (s.arena == a) return s;
        return null;
    }

    public Arena arena() {
        return arena;
    }

    /** Bytes of pooled tensors alive now. */
    public long liveBytes() {
        return live;
    }

    /** The most pooled bytes alive at once since the scope opened. */
    public long peakBytes() {
        return peak;
    }

    /** Bytes the pool took from the backend (live plus free for reuse). */
    public long heldBytes() {
        return held;
    }

    /**
     * A zero-filled buffer from the pool, as a storage that the innermost {@link Scratch} owns
     * when {@code scratchOwned} and one is open; sizes that are not whole words are not pooled.
     */
    Storage allocate(Backend be, long bytes, boolean scratchOwned) {
        if (closed) throw new IllegalStateException("the step scope is closed");
        if (bytes % 4 != 0 || bytes == 0) return Storage.unpooled(be.allocate(bytes, arena));
        Buf b = free.take(be, bytes);
        if (b == null) {
            BufferCache.Block blk = BufferCache.mine().take(be, bytes);
            if (blk == null) blk = BufferCache.allocate(be, bytes);   // zero-filled by the allocator
            else be.fill(blk.buf(), bytes / 4, 0f);
            blocks.add(blk);
            b = blk.buf();
            held += bytes;
        } else {
            be.fill(b, bytes / 4, 0f);
        }
        live += bytes;
        peak = Math.max(peak, live);
        Storage s = new Storage(b, this);
        storages.add(s);
        Scratch top = scratches.peek();
        if (scratchOwned && top != null) top.own(s);
        return s;
    }

    void recycle(Buf b) {
        if (closed) return;
        live -= b.byteSize();
        free.put(b.backend(), b.byteSize(), b);
    }

    void push(Scratch s) {
        scratches.push(s);
    }

    void pop(Scratch s) {
        if (scratches.peek() != s) throw new IllegalStateException("Scratch scopes must close innermost first");
        scratches.pop();
    }

    /** The scratch just outside {@code s}, or null. */
    Scratch outside(Scratch s) {
        var it = scratches.iterator();
        while (it.hasNext()) if (it.next() == s) return it.hasNext() ? it.next() : null;
        return null;
    }

    @Override
    public void close() {
        if (closed) return;
        Deque<StepScope> stack = STACK.get();
        if (stack.peek() != this)
            throw new IllegalStateException("StepScopes must close innermost first");
        stack.pop();
        closed = true;
        for (Storage s : storages) s.invalidate();   // a tensor of this step must not see the next one's data
        storages.clear();
        free.clear();
        BufferCache.mine().replace(blocks);
        blocks.clear();
        arena.close();
    }

    /**
     * Frees the step buffers this thread keeps between steps (see {@link BufferCache}): for a
     * thread that is done training and should give its memory back now.
     */
    public static void trimCache() {
        BufferCache.mine().clear();
    }

    /** Bytes this thread keeps for its next step. */
    public static long cachedBytes() {
        return BufferCache.mine().bytes();
    }
}
