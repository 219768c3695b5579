package io.fedbiot.engine;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Objects;
import java.util.Set;

/**
 * A contiguous row-major tensor: shape, dtype, and a buffer owned by a backend, living as long as
 * its arena. Views share the buffer. Autograd state: whether it requires a gradient, the
 * accumulated {@code grad}, and the {@link Producer} autograd attached when an op made it (null
 * for leaves). A leaf requires a gradient when it is among this thread's targets
 * ({@code Autograd.targets}) or was flagged with {@link #requiresGrad(boolean)}.
 */
public final class Tensor {
    /** What autograd records for a tensor an op produced; only autograd knows more of it. */
    public interface Producer {
        String op();
    }

    private static final ThreadLocal<Set<Tensor>> TARGETS = new ThreadLocal<>();

    private final Backend backend;
    private final DType dtype;
    private final int[] shape;
    private final long numel;
    private final Buf buf;
    private final Storage storage;
    private final Arena arena;
    private boolean requiresGrad;
    private Tensor grad;
    private Producer node;
    private String name;

    private Tensor(Backend backend, DType dtype, int[] shape, Buf buf, Storage storage, Arena arena) {
        this.backend = Objects.requireNonNull(backend);
        this.dtype = Objects.requireNonNull(dtype);
        this.shape = shape.clone();
        this.numel = numel(shape);
        this.buf = buf;
        this.storage = storage;
        this.arena = arena;
        if (buf.byteSize() != numel * dtype.bytes())
            throw new IllegalArgumentException("buffer of " + buf.byteSize() + " bytes for shape "
                    + Arrays.toString(shape) + " " + dtype);
    }

    // ---- creation ---------------------------------------------------------------------------

    /**
     * A zero-filled tensor in {@code arena}; inside an open {@link StepScope} whose arena that is,
     * its memory comes from the step's pool and the innermost {@link Scratch} owns it.
     */
    public static Tensor zeros(Backend backend, DType dtype, Arena arena, int... shape) {
        return allocate(backend, dtype, arena, shape, true);
    }

    /**
     * A zero float32 gradient buffer for {@code t}, next to it (for autograd): pooled when t is,
     * but owned by no Scratch, since autograd frees it itself once it was used.
     */
    public static Tensor gradientFor(Tensor t) {
        return allocate(t.backend, DType.F32, t.arena, t.shape, false);
    }

    private static Tensor allocate(Backend backend, DType dtype, Arena arena, int[] shape, boolean scratchOwned) {
        long bytes = numel(shape) * dtype.bytes();
        StepScope scope = StepScope.owning(arena);
        Storage st = scope != null ? scope.allocate(backend, bytes, scratchOwned) : Storage.unpooled(backend.allocate(bytes, arena));
        return new Tensor(backend, dtype, shape, st.buf(), st, arena);
    }

    /** A zero-filled float32 tensor in the current step scope. */
    public static Tensor zeros(Backend backend, int... shape) {
        return zeros(backend, DType.F32, StepScope.current(), shape);
    }

    public static Tensor of(Backend backend, Arena arena, float[] data, int... shape) {
        checkCount(data.length, shape);
        Tensor t = zeros(backend, DType.F32, arena, shape);
        backend.fromHost(MemorySegment.ofArray(data), t.buf);
        return t;
    }

    public static Tensor of(Backend backend, float[] data, int... shape) {
        return of(backend, StepScope.current(), data, shape);
    }

    public static Tensor ofInts(Backend backend, Arena arena, int[] data, int... shape) {
        checkCount(data.length, shape);
        Tensor t = zeros(backend, DType.I32, arena, shape);
        backend.fromHost(MemorySegment.ofArray(data), t.buf);
        return t;
    }

    public static Tensor ofInts(Backend backend, int[] data, int... shape) {
        return ofInts(backend, StepScope.current(), data, shape);
    }

    /** Wraps an existing buffer (e.g. a slice of a memory-mapped checkpoint) without copying. */
    public static Tensor wrap(Backend backend, DType dtype, Buf buf, Arena arena, int... shape) {
        return new Tensor(backend, dtype, shape, buf, Storage.unpooled(buf), arena);
    }

    private static void checkCount(int n, int[] shape) {
        if (n != numel(shape))
            throw new IllegalArgumentException(n + " values for shape " + Arrays.toString(shape)
                    + " (" + numel(shape) + " elements)");
    }

    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= d;
        }
        return n;
    }

    // ---- views and transfers ----------------------------------------------------------------

    /** Same buffer, another shape with the same element count; not tracked by autograd. */
    public Tensor view(int... newShape) {
        if (numel(newShape) != numel)
            throw new IllegalArgumentException("cannot view " + this + " as " + Arrays.toString(newShape));
        return new Tensor(backend, dtype, newShape, buf, storage, arena);
    }

    /** Rows [from, to) of the first dimension, sharing the buffer; not tracked by autograd. */
    public Tensor sliceRows(int from, int to) {
        if (rank() == 0 || from < 0 || to > shape[0] || from > to)
            throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of " + this);
        long row = numel / Math.max(1, shape[0]) * dtype.bytes();
        int[] s = shape.clone();
        s[0] = to - from;
        return new Tensor(backend, dtype, s, buf().slice(from * row, (to - from) * row), storage, arena);
    }

    /** The same data without autograd history. */
    public Tensor detach() {
        return new Tensor(backend, dtype, shape, buf, storage, arena);
    }

    /** An explicit copy onto another backend (or the same one), in {@code arena}. */
    public Tensor to(Backend target, Arena into) {
        Tensor t = zeros(target, dtype, into, shape);
        long bytes = numel * dtype.bytes();
        if (target == backend && bytes % 4 == 0) {   // copy moves 4-byte words; an odd BF16/F16 count goes through the host
            backend.copy(t.buf, buf(), bytes / 4);
        } else {
            MemorySegment host = Arena.ofAuto().allocate(buf.byteSize(), 64);
            backend.toHost(buf(), host);
            target.fromHost(host, t.buf);
        }
        return t;
    }

    /** A float32 copy of a BF16/F16/F32 host tensor. */
    public Tensor toF32(Arena into) {
        if (dtype == DType.F32) return to(backend, into);
        if (dtype == DType.I32) throw new IllegalArgumentException("cannot convert I32 " + this + " to F32");
        MemorySegment src = Arena.ofAuto().allocate(buf.byteSize(), 64);
        backend.toHost(buf(), src);
        float[] out = new float[Math.toIntExact(numel)];
        for (int i = 0; i < out.length; i++) {
            short bits = src.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i);
            out[i] = dtype == DType.BF16 ? DType.bf16ToFloat(bits) : DType.f16ToFloat(bits);
        }
        return of(backend, into, out, shape);
    }

    // ---- host access ------------------------------------------------------------------------

    public float[] toFloatArray() {
        requireDType(DType.F32);
        float[] out = new float[Math.toIntExact(numel)];
        MemorySegment host = Arena.ofAuto().allocate(buf.byteSize(), 64);
        backend.toHost(buf(), host);
        MemorySegment.copy(host, ValueLayout.JAVA_FLOAT, 0, out, 0, out.length);
        return out;
    }

    public int[] toIntArray() {
        requireDType(DType.I32);
        int[] out = new int[Math.toIntExact(numel)];
        MemorySegment host = Arena.ofAuto().allocate(buf.byteSize(), 64);
        backend.toHost(buf(), host);
        MemorySegment.copy(host, ValueLayout.JAVA_INT, 0, out, 0, out.length);
        return out;
    }

    /** The value of a one-element float tensor (a host sync on device backends). */
    public float item() {
        if (numel != 1) throw new IllegalStateException("item() of " + this + " with " + numel + " elements");
        return toFloatArray()[0];
    }

    public void copyFrom(float[] data) {
        requireDType(DType.F32);
        checkCount(data.length, shape);
        backend.fromHost(MemorySegment.ofArray(data), buf());
    }

    // ---- autograd ---------------------------------------------------------------------------

    public boolean requiresGrad() {
        if (requiresGrad) return true;
        Set<Tensor> t = TARGETS.get();
        return t != null && node == null && t.contains(this);
    }

    /**
     * Makes exactly {@code leaves} (besides flagged ones) require gradients on this thread until
     * the returned restore runs, which brings back the previous targets; Autograd.targets wraps it.
     * Nothing is set on the tensors, so threads may train different targets over shared weights.
     */
    public static Runnable setTargets(Iterable<Tensor> leaves) {
        Set<Tensor> set = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Tensor t : leaves) {
            if (t.node != null) throw new IllegalArgumentException("only leaves can be training targets, not " + t);
            if (t.dtype != DType.F32) throw new IllegalArgumentException("only F32 tensors can be trained: " + t);
            set.add(t);
        }
        Set<Tensor> before = TARGETS.get();
        TARGETS.set(set);
        return () -> TARGETS.set(before);
    }

    /** Marks a leaf this code owns as trainable (or frozen) for good; shared weights use targets instead. */
    public Tensor requiresGrad(boolean on) {
        if (node != null) throw new IllegalStateException("requiresGrad can only be set on leaves, not on " + this);
        if (on && dtype != DType.F32) throw new IllegalArgumentException("only F32 tensors can be trained: " + this);
        this.requiresGrad = on;
        return this;
    }

    /** The accumulated gradient, or null before any backward reached this tensor. */
    public Tensor grad() {
        return grad;
    }

    /** Uses {@code g} (same shape, e.g. a view into a contiguous gradient block) as the gradient. */
    public void setGrad(Tensor g) {
        if (g != null && (!Arrays.equals(g.shape, shape) || g.backend != backend))
            throw new IllegalArgumentException("gradient " + g + " does not match " + this);
        this.grad = g;
    }

    /** Sets the gradient to zero (explicit; backward only accumulates). */
    public void zeroGrad() {
        if (grad != null) backend.fill(grad.buf(), numel, 0f);
    }

    public Producer node() {
        return node;
    }

    /** Called by autograd: attaches the node that produced this tensor. */
    public void setNode(Producer n) {
        this.node = n;
        this.requiresGrad = n != null;
    }

    public boolean isLeaf() {
        return node == null;
    }

    // ---- accessors --------------------------------------------------------------------------

    public Backend backend() { return backend; }
    public DType dtype() { return dtype; }
    /** The buffer; refuses once the memory went back to the step's pool. */
    public Buf buf() {
        if (storage.freed())
            throw new IllegalStateException(this + " was freed: its memory went back to the step's pool (released by a "
                    + "Scratch or release() with no autograd node holding it, after the backward that used it, or its "
                    + "StepScope closed)");
        return buf;
    }

    /** The buffer of t, or null when t is null: a kernel's optional argument (a gradient nobody needs, no mask). */
    public static Buf bufOrNull(Tensor t) {
        return t == null ? null : t.buf();
    }

    /** The memory this tensor and its views share. */
    public Storage storage() { return storage; }

    /**
     * Drops the creator's hold on this tensor's memory now rather than at the end of the step;
     * autograd nodes that saved it keep it until their backward ran. Only the code that created
     * the tensor may call this, and it must not use the tensor afterwards.
     */
    public void release() {
        storage.releaseCreator();
    }
    public Arena arena() { return arena; }
    public long numel() { return numel; }
    public int rank() { return shape.length; }
    public int[] shape() { return shape.clone(); }

    /** Dimension i; negative i counts from the end. */
    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public String name() { return name; }

    public Tensor named(String n) {
        this.name = n;
        return this;
    }

    public void requireDType(DType d) {
        if (dtype != d) throw new IllegalArgumentException("expected " + d + " but " + this + " is " + dtype);
    }

    @Override
    public String toString() {
        return (name == null ? "tensor" : name) + Arrays.toString(shape) + ":" + dtype + "@" + backend.name();
    }
}
