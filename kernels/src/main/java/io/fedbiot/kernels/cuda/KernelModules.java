package io.fedbiot.kernels.cuda;

import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernels of native/cuda, loaded once per device: each module from the fatbin nvcc built
 * into the jar, or, when there is none or it holds no code for this GPU, compiled from the
 * packaged source with NVRTC (PTX for the device's architecture, cached on disk by source hash).
 */
final class KernelModules {
    static final String RESOURCES = "/io/fedbiot/kernels/cuda/";

    /** Every kernel the backend launches, by module (the build test checks each fatbin has them). */
    static final Map<String, List<String>> KERNELS;
    static {
        Map<String, List<String>> k = new LinkedHashMap<>();
        k.put("elementwise", List.of("fb_fill", "fb_copy", "fb_add", "fb_mul", "fb_mul_acc", "fb_scale", "fb_axpy",
                "fb_add_scalar", "fb_reduce_partial", "fb_reduce_final", "fb_swiglu_fwd", "fb_swiglu_bwd",
                "fb_dropout", "fb_f32_to_bf16", "fb_bf16_to_f32"));
        k.put("norm", List.of("fb_rmsnorm_fwd", "fb_rmsnorm_bwd_dx", "fb_rmsnorm_bwd_dw", "fb_rope",
                "fb_embedding_fwd", "fb_embedding_bwd"));
        k.put("losses", List.of("fb_ce_fwd", "fb_ratio_final", "fb_mask_sum", "fb_ce_bwd", "fb_kl_fwd", "fb_kl_bwd",
                "fb_nmse_rows", "fb_pair_totals", "fb_nmse_bwd"));
        k.put("optim", List.of("fb_adamw", "fb_sgd"));
        k.put("attention", List.of("fb_attn_fwd_f32", "fb_attn_fwd_bf16", "fb_attn_bwd_dq_f32", "fb_attn_bwd_dq_bf16",
                "fb_attn_bwd_dkv_f32", "fb_attn_bwd_dkv_bf16", "fb_attn_rowdot"));
        KERNELS = java.util.Collections.unmodifiableMap(k);
    }

    private final Map<String, CUfunction> functions = new HashMap<>();

    KernelModules(CudaDevice dev, CudaProbe probe) {
        // -Dfedbiot.cuda.kernels=nvrtc ignores the packaged fatbins (to test the fallback on a GPU).
        String source = System.getProperty("fedbiot.cuda.kernels", "auto");
        if (!source.equals("auto") && !source.equals("nvrtc"))
            throw new IllegalArgumentException("fedbiot.cuda.kernels must be auto or nvrtc, got '" + source + "'");
        Nvrtc nvrtc = null;
        int fromFatbin = 0;
        for (var e : KERNELS.entrySet()) {
            String module = e.getKey();
            CUmodule m = new CUmodule();
            byte[] fat = source.equals("nvrtc") ? null : resource(module + ".fatbin");
            int rc = fat == null ? CUresult.CUDA_ERROR_NO_BINARY_FOR_GPU : dev.tryLoadModule(m, fat);
            if (rc == CUresult.CUDA_SUCCESS) {
                fromFatbin++;
            } else if (rc == CUresult.CUDA_ERROR_NO_BINARY_FOR_GPU || rc == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION
                    || rc == CUresult.CUDA_ERROR_INVALID_PTX || rc == CUresult.CUDA_ERROR_INVALID_IMAGE) {
                if (nvrtc == null) nvrtc = Nvrtc.load(CudaLibraries.system());
                m = dev.loadModule(compile(nvrtc, module, probe), module + " (NVRTC " + nvrtc.version + ")");
            } else {
                Cu.check(rc, "cuModuleLoadData(" + module + ".fatbin)");
            }
            for (String fn : e.getValue()) functions.put(fn, dev.function(m, fn));
        }
        CudaLog.info("kernels: " + fromFatbin + " of " + KERNELS.size() + " modules from the nvcc fatbin"
                + (nvrtc == null ? "" : ", the rest compiled by NVRTC " + nvrtc.version + " (" + nvrtc.library
                + "), cached in " + NvrtcCache.standard().dir()));
    }

    CUfunction get(String name) {
        CUfunction f = functions.get(name);
        if (f == null) throw new IllegalStateException("no CUDA kernel " + name + " (not in KernelModules.KERNELS)");
        return f;
    }

    /** PTX for this device, through the cache. */
    private static byte[] compile(Nvrtc nvrtc, String module, CudaProbe probe) {
        String source = text("src/" + module + ".cu");
        Map<String, String> headers = Map.of("common.cuh", text("src/common.cuh"));
        List<String> options = nvrtcOptions(probe.ccMajor(), probe.ccMinor());
        NvrtcCache cache = NvrtcCache.standard();
        String key = NvrtcCache.key(source, headers, options, nvrtc.version);
        return cache.getOrCompile(key, () -> nvrtc.compileToPtx(module + ".cu", source, headers, options));
    }

    /** The NVRTC flags: PTX for exactly this architecture, the same language level as the nvcc build. */
    static List<String> nvrtcOptions(int ccMajor, int ccMinor) {
        return List.of("--gpu-architecture=compute_" + ccMajor + ccMinor, "-std=c++17", "-lineinfo");
    }

    static byte[] resource(String name) {
        try (InputStream in = KernelModules.class.getResourceAsStream(RESOURCES + name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading resource " + RESOURCES + name, e);
        }
    }

    static String text(String name) {
        byte[] b = resource(name);
        if (b == null) throw new IllegalStateException("kernel source " + RESOURCES + name + " missing from the kernels jar");
        return new String(b, StandardCharsets.UTF_8);
    }
}
