package io.fedbiot.method;

import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.cpu.CpuBackend;
import io.fedbiot.kernels.cpu.NativeLibrary;
import io.fedbiot.kernels.cuda.CudaBackend;
import io.fedbiot.report.RunEnvironment;

/** The report's {@link RunEnvironment} for a config and the backend it runs on (report cannot see kernels). */
public final class EnvironmentProbe {
    private EnvironmentProbe() {}

    public static RunEnvironment of(ExperimentConfig cfg, Backend be) {
        String gpu = be instanceof CudaBackend cuda ? cuda.device().describe() : null;
        return RunEnvironment.capture(cfg.toYaml(), be.name(), dispatch(be), gpu);
    }

    /** The ISA the native kernels use here (fb_best_isa's cpuid check), or why they are not loaded. */
    static String dispatch(Backend be) {
        String why = NativeLibrary.unavailableReason();
        if (why != null) return "native kernels not loaded (" + why + ")";
        String best = NativeLibrary.get().bestIsa().label();
        if (be instanceof CpuBackend cpu) return "native kernels run " + cpu.isa().label() + " (best on this CPU: " + best + ")";
        return "native kernels would run " + best;
    }
}
