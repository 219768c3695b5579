package io.fedbiot.kernels.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;

import java.util.ArrayList;
import java.util.List;

/**
 * A kernel's parameter block, in the order of the kernel's C signature: device pointers as
 * 64-bit addresses (0 for an absent optional buffer), C {@code int}, {@code long} (64-bit on
 * Linux), {@code float}.
 */
final class KernelArgs {
    private final List<NativePointerObject> args = new ArrayList<>();

    static KernelArgs of() {
        return new KernelArgs();
    }

    KernelArgs ptr(long address) {
        args.add(Pointer.to(new long[]{address}));
        return this;
    }

    KernelArgs i(int v) {
        args.add(Pointer.to(new int[]{v}));
        return this;
    }

    KernelArgs l(long v) {
        args.add(Pointer.to(new long[]{v}));
        return this;
    }

    KernelArgs f(float v) {
        args.add(Pointer.to(new float[]{v}));
        return this;
    }

    NativePointerObject[] toArray() {
        return args.toArray(new NativePointerObject[0]);
    }
}
