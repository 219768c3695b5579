package io.fedbiot.engine;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Buf;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A group of trainable parameters in one contiguous block, with their gradients in a second
 * block; each parameter is a named view into both. The optimizer then runs one kernel over the
 * whole group, zeroing is one fill, and a group copies or averages as one buffer.
 */
public final class ParamSet {
    /** Each view starts on a 64-byte boundary (16 floats) so vector loads stay aligned. */
    private static final int ALIGN = 16;

    private final Map<String, Tensor> params;
    private final Tensor values;
    private final Tensor grads;

    private ParamSet(Map<String, Tensor> params, Tensor values, Tensor grads) {
        this.params = params;
        this.values = values;
        this.grads = grads;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final Map<String, int[]> shapes = new LinkedHashMap<>();

        public Builder add(String name, int... shape) {
            if (shapes.putIfAbsent(name, shape.clone()) != null)
                throw new IllegalArgumentException("parameter '" + name + "' added twice");
            return this;
        }

        /** Allocates the zeroed value and gradient blocks in {@code arena}. */
        public ParamSet build(Backend backend, Arena arena) {
            long total = 0;
            for (int[] s : shapes.values()) total += align(Tensor.numel(s));
            int n = Math.toIntExact(Math.max(total, 1));
            Tensor values = Tensor.zeros(backend, DType.F32, arena, n).named("params");
            Tensor grads = Tensor.zeros(backend, DType.F32, arena, n).named("grads");
            values.setGrad(grads);
            Map<String, Tensor> views = new LinkedHashMap<>();
            long off = 0;
            for (var e : shapes.entrySet()) {
                long count = Tensor.numel(e.getValue());
                Buf vb = values.buf().slice(off * 4, count * 4), gb = grads.buf().slice(off * 4, count * 4);
                Tensor p = Tensor.wrap(backend, DType.F32, vb, arena, e.getValue()).named(e.getKey());
                p.setGrad(Tensor.wrap(backend, DType.F32, gb, arena, e.getValue()));
                views.put(e.getKey(), p);
                off += align(count);
            }
            return new ParamSet(Collections.unmodifiableMap(views), values, grads);
        }

        private static long align(long n) {
            return (n + ALIGN - 1) / ALIGN * ALIGN;
        }
    }

    public Tensor get(String name) {
        Tensor t = params.get(name);
        if (t == null) throw new IllegalArgumentException("no parameter '" + name + "'; have " + params.keySet());
        return t;
    }

    /** Name → parameter view, in insertion order. */
    public Map<String, Tensor> named() {
        return params;
    }

    /** The whole value block as one trainable tensor whose gradient is the gradient block. */
    public Tensor flat() {
        return values;
    }

    /** A one-element list with {@link #flat()}, for optimizers. */
    public List<Tensor> asList() {
        return List.of(values);
    }

    public Tensor grads() {
        return grads;
    }

    public void zeroGrad() {
        values.zeroGrad();
    }

    /**
     * The leaves to train when this set is the target ({@code Autograd.targets}): the named views
     * the model reads and the flat block the optimizer steps. Nothing is trainable by default.
     */
    public List<Tensor> targets() {
        List<Tensor> t = new ArrayList<>(params.values());
        t.add(values);
        return t;
    }

    /** Parameters counted without alignment padding. */
    public long count() {
        long n = 0;
        for (Tensor t : params.values()) n += t.numel();
        return n;
    }
}
