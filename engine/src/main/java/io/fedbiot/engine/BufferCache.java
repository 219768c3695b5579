package io.fedbiot.engine;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;

import java.lang.foreign.Arena;
import java.lang.ref.Cleaner;
import java.util.List;

/**
 * A thread's step buffers between steps. When a {@link StepScope} closes, every pooled buffer it
 * used comes here, and the next step of the same shapes takes them back instead of asking the
 * allocator (and the kernel's page faults) again. What a step did not take back is freed when it
 * closes, so the cache never holds more than the last step used; {@link StepScope#trimCache()}
 * frees it all, and a thread that ends frees its cache once the GC sees it.
 */
final class BufferCache {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final ThreadLocal<BufferCache> MINE = ThreadLocal.withInitial(BufferCache::new);

    /** One buffer with the arena that owns it alone, so it can be freed by itself. */
    record Block(Buf buf, Arena arena) {}

    // The lists live in their own object so the cleaner does not keep the cache reachable.
    private static final class Blocks implements Runnable {
        final FreeLists<Block> free = new FreeLists<>();
        long bytes;

        @Override
        public void run() {
            free.forEach(b -> b.arena().close());
            free.clear();
            bytes = 0;
        }
    }

    private final Blocks blocks = new Blocks();

    private BufferCache() {
        CLEANER.register(this, blocks);
    }

    static BufferCache mine() {
        return MINE.get();
    }

    /** A cached block of exactly {@code bytes} on {@code be} (not zeroed), or null. */
    Block take(Backend be, long bytes) {
        Block b = blocks.free.take(be, bytes);
        if (b != null) blocks.bytes -= bytes;
        return b;
    }

    /** A fresh block in an arena of its own. */
    static Block allocate(Backend be, long bytes) {
        Arena a = Arena.ofShared();   // shared: kernels run on the backend's worker threads
        return new Block(be.allocate(bytes, a), a);
    }

    /** Frees what is cached now (the blocks the closing step did not reuse), then keeps {@code used}. */
    void replace(List<Block> used) {
        blocks.run();
        for (Block b : used) {
            blocks.free.put(b.buf().backend(), b.buf().byteSize(), b);
            blocks.bytes += b.buf().byteSize();
        }
    }

    /** Frees every cached block. */
    void clear() {
        blocks.run();
    }

    long bytes() {
        return blocks.bytes;
    }
}
